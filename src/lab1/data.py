"""The lab's datasets, generated in-process from the run's seed.

Every generator returns ``X`` ``(n, d)`` float64 and ``y`` ``(n,)`` int64 labels in {0, 1}.
As the handout says, training and testing use the same data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Dataset:
    """Inputs and 0/1 labels of one dataset."""

    name: str
    X: Array  # (n, d)
    y: Array  # (n,)


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


DATASETS: dict[str, Callable[[Any, int], Dataset]] = {
    "linear": linear,
    "xor": xor,
    "xor4": xor4,
}


def make_dataset(cfg: Any, seed: int) -> Dataset:
    """Generate the dataset ``cfg.name`` for ``seed``; an unknown name lists the valid ones."""
    try:
        generate = DATASETS[cfg.name]
    except KeyError:
        raise ValueError(f"unknown dataset {cfg.name!r}; choose one of {', '.join(DATASETS)}") from None
    return generate(cfg, seed)


SEEDED: frozenset[str] = frozenset({"linear"})  # datasets that differ between seeds


def depends_on_seed(name: str) -> bool:
    """Whether the dataset differs between seeds (so population members need their own)."""
    return name in SEEDED
