"""The lab's datasets, generated in-process from the run's seed.

Every generator returns ``X`` ``(n, d)`` float64 and ``y`` ``(n,)`` int64 labels in {0, 1}.
As the handout says, training and testing use the same data.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Dataset:
    """Inputs and 0/1 labels of one dataset."""

    name: str
    X: Array  # (n, d)
    y: Array  # (n,)
    image: tuple[int, int, int] | None = None  # (C, H, W) when each row of X is an image


def linear(cfg: Any, seed: int) -> Dataset:
    """n uniform points in the unit square, label 0 where x0 > x1 else 1.

    Bit-identical to the handout's ``generate_linear(n)`` run after ``np.random.seed(seed)``.
    """
    points = np.random.RandomState(seed).uniform(0, 1, (int(cfg.n), 2))
    labels = np.where(points[:, 0] > points[:, 1], 0, 1)
    return Dataset("linear", points, labels.astype(np.int64))


def xor(cfg: Any, seed: int) -> Dataset:
    """The handout's 21-point "XOR easy": the two diagonals of the unit square, interleaved."""
    inputs, labels = [], []
    for i in range(11):
        inputs.append([0.1 * i, 0.1 * i])
        labels.append(0)
        if 0.1 * i == 0.5:
            continue
        inputs.append([0.1 * i, 1 - 0.1 * i])
        labels.append(1)
    return Dataset("xor", np.array(inputs, dtype=np.float64), np.array(labels, dtype=np.int64))


def xor4(cfg: Any, seed: int) -> Dataset:
    """The four-point XOR truth table."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return Dataset("xor4", X, np.array([0, 1, 1, 0], dtype=np.int64))


DATA_STREAM = 3  # SeedSequence spawn key of the image datasets' random stream


def bars(cfg: Any, seed: int) -> Dataset:
    """``n`` images of ``size x size`` pixels, each one bar of ``bar`` ones plus Gaussian noise.

    Label 0: a horizontal bar, 1: a vertical one, each at a random row, column and offset,
    with equal numbers of both (alternating). Both classes have the same pixel sum, so no
    threshold on it separates them; and without noise, once every position occurs, no
    linear threshold on the pixels does either (full-length bars: summing the weights over
    every row and over every column gives the same total), so a network must learn the
    orientation. With noise and few images a linear model can still overfit many of them.
    """
    size, length, n = int(cfg.size), int(cfg.bar), int(cfg.n)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(DATA_STREAM,)))
    images = np.zeros((n, size, size))
    labels = np.arange(n) % 2
    line = rng.integers(0, size, n)  # the bar's row (horizontal) or column (vertical)
    start = rng.integers(0, size - length + 1, n)  # where along that line it begins
    along = start[:, None] + np.arange(length)  # (n, bar)
    rows = np.where(labels[:, None] == 0, line[:, None], along)
    cols = np.where(labels[:, None] == 0, along, line[:, None])
    images[np.arange(n)[:, None], rows, cols] = 1.0
    images += float(cfg.noise) * rng.standard_normal(images.shape)
    return Dataset("bars", images.reshape(n, -1), labels.astype(np.int64), image=(1, size, size))


class DataError(ValueError):
    """A data file that cannot be used; the message says what is wrong and what is allowed."""


def read_csv(path: str, label: str, features: Any) -> tuple[Array, Array]:
    """Feature columns (``features``, or every other column) and 0/1 labels of a CSV file."""
    import pandas as pd

    if not path:
        raise DataError("dataset.path is not set: give the CSV file, e.g. dataset.path=data.csv")
    where = f"dataset.path={path!r}"
    file = Path(path)
    if not file.is_file():
        raise DataError(f"{where}: no such file" if not file.exists() else f"{where}: not a file")
    try:
        frame = pd.read_csv(file)
    except pd.errors.EmptyDataError:
        raise DataError(f"{where}: the file is empty") from None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as err:
        raise DataError(f"{where}: not a readable CSV file ({type(err).__name__})") from None
    if frame.empty:
        raise DataError(f"{where}: no data rows under the header")
    if label not in frame.columns:
        raise DataError(
            f"{where}: no label column {label!r} (columns: {', '.join(map(str, frame.columns))}); set dataset.label"
        )
    names = [c for c in frame.columns if c != label] if features is None else [str(f) for f in features]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise DataError(
            f"{where}: no feature column {missing[0]!r}; dataset.features lists columns of the file"
        )
    if len(names) < 2:
        raise DataError(f"{where}: {len(names)} feature column(s); at least 2 are needed")
    values = frame[names + [label]].apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & frame[names + [label]].notna()
    if bad.any().any():
        col = bad.any().idxmax()
        row = int(bad[col].to_numpy().argmax())
        raise DataError(
            f"{where}: non-numeric value {frame[col].iloc[row]!r} in column {col!r}, row {row + 1}"
        )
    array = values.to_numpy(dtype=np.float64)
    bad_columns = ~np.isfinite(array).all(axis=0)  # features, then the label
    if bad_columns.any():
        col = [*names, label][int(np.argmax(bad_columns))]
        raise DataError(
            f"{where}: missing, NaN or infinite value in column {col!r}; every cell must be a finite number"
        )
    y = array[:, -1]
    if not np.isin(y, (0.0, 1.0)).all():
        other = y[~np.isin(y, (0.0, 1.0))][0]
        raise DataError(f"{where}: label {other:g} in column {label!r}; labels must be 0 or 1")
    if len(np.unique(y)) < 2:
        raise DataError(f"{where}: every label is {int(y[0])}; both classes 0 and 1 are needed")
    return array[:, :-1], y.astype(np.int64)


def csv(cfg: Any, seed: int) -> Dataset:
    """Your own data: feature columns and a 0/1 label column of a CSV file with a header."""
    X, y = read_csv(cfg.path, cfg.label, cfg.features)
    return Dataset("csv", X, y)


DATASETS: dict[str, Callable[[Any, int], Dataset]] = {
    "linear": linear,
    "xor": xor,
    "xor4": xor4,
    "bars": bars,
    "csv": csv,
}

# the dataset.* keys each dataset reads (beside name); any other has no effect on it
KEYS: dict[str, frozenset[str]] = {
    "linear": frozenset({"n"}),
    "xor": frozenset(),
    "xor4": frozenset(),
    "bars": frozenset({"n", "size", "bar", "noise"}),
    "csv": frozenset({"path", "label", "features"}),
}


def make_dataset(cfg: Any, seed: int) -> Dataset:
    """Generate the dataset ``cfg.name`` for ``seed``; an unknown name lists the valid ones."""
    try:
        generate = DATASETS[cfg.name]
    except KeyError:
        raise ValueError(f"unknown dataset {cfg.name!r}; choose one of {', '.join(DATASETS)}") from None
    return generate(cfg, seed)


SEEDED: frozenset[str] = frozenset({"linear", "bars"})  # datasets that differ between seeds
IMAGES: frozenset[str] = frozenset({"bars"})  # datasets whose rows are images


def shape(cfg: Any) -> tuple[int, int, tuple[int, int, int] | None]:
    """(samples, features, image shape or None) of a dataset config, read from the dataset
    itself (seed 0: no dataset's size depends on its seed); remembered per config."""
    key = json.dumps(dict(cfg), sort_keys=True, default=str)  # a list (ListConfig) as its text
    if key not in _SHAPES:
        data = make_dataset(cfg, 0)
        _SHAPES[key] = (data.X.shape[0], data.X.shape[1], data.image)
    return _SHAPES[key]


_SHAPES: dict[str, tuple[int, int, tuple[int, int, int] | None]] = {}
