"""Read a sweep directory into one table: a row per finished job, its config and metrics.

A job directory is any directory holding Hydra's ``.hydra/config.yaml``. It counts as
finished when its ``metrics.json`` (written last) can be read; an unfinished or corrupt
one is skipped and reported, never guessed at.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from omegaconf import OmegaConf

from lab1.config import presentation_overrides
from lab1.config.effects import override_pairs
from lab1.internals import yaml_implicit_resolvers
from lab1.job.artifacts import ERROR, METRICS, SNAPSHOT, read_json


def _hidden(c: dict[str, Any]) -> str:
    h = c["hidden"]
    return str(list(h)) if isinstance(h, list) else str(h) if c.get("depth", 2) == 2 else f"{h}x{c['depth']}"


# column -> how to read it from a job's resolved config
CONFIG_COLUMNS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "dataset": lambda c: c["dataset"]["name"],
    "model": lambda c: c.get("model", {}).get("name", "mlp"),
    "optim": lambda c: c["optim"]["name"],
    "lr": lambda c: c["lr"],
    "hidden": _hidden,
    "activation": lambda c: c["activation"],
    "output_activation": lambda c: c["output_activation"],
    "loss_fn": lambda c: c["loss"],  # "loss" is the final loss, from metrics.json
    "init": lambda c: c["init"],
    "bias": lambda c: c["bias"],
    "batch_size": lambda c: c["batch_size"],
    "epochs": lambda c: c["epochs"],
    "seed": lambda c: c["seed"],
}
NOT_AXES = ("seed", "dataset")  # overrides that are not compared as settings
PRESENTATION = frozenset(presentation_overrides())  # overrides that are not settings: no column


@dataclass
class Sweep:
    """A sweep directory read into memory."""

    root: Path
    table: pd.DataFrame  # one row per finished (or failed) job
    axes: list[str]  # override keys whose value varies across jobs, in first-seen order
    histories: dict[str, pd.DataFrame] = field(default_factory=dict)  # job -> epoch, loss, accuracy
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (job, why)
    # override keys with one value in every job (not seed or dataset) -> that value
    fixed: dict[str, Any] = field(default_factory=dict)


def job_dirs(root: Path) -> list[Path]:
    """Every job directory under ``root`` (the root itself for a single run), sorted."""
    return sorted(p.parent.parent for p in root.rglob(f"{SNAPSHOT}/config.yaml"))


def _fast_loader() -> type | None:
    """OmegaConf's YAML rules (its float pattern, no timestamps, no repeated keys) on
    libyaml's C parser; None where either is missing (then ``OmegaConf.load`` reads)."""
    try:
        resolvers = yaml_implicit_resolvers()
        base = yaml.CSafeLoader
    except (ImportError, AttributeError):
        return None

    class Loader(base):  # type: ignore[misc, valid-type]
        yaml_implicit_resolvers = resolvers

        def construct_mapping(self, node: yaml.Node, deep: bool = False) -> Any:
            keys = [k.value for k, _ in node.value if k.tag == yaml.resolver.BaseResolver.DEFAULT_SCALAR_TAG]
            if len(keys) != len(set(keys)):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "repeated key"
                )
            return super().construct_mapping(node, deep=deep)

    return Loader


_LOADER = _fast_loader()


def load_yaml(path: Path) -> Any:
    """A Hydra-written YAML file as plain containers, exactly as ``OmegaConf.load`` reads
    it, about ten times faster: collecting a sweep reads two per job."""
    if _LOADER is None:
        return OmegaConf.to_container(OmegaConf.load(path))
    return yaml.load(path.read_text(), Loader=_LOADER)  # noqa: S506 - a safe loader


def _overrides(job: Path) -> dict[str, str]:
    """The job's command-line overrides as key -> value text (``+``/``++`` stripped)."""
    path = job / SNAPSHOT / "overrides.yaml"
    lines = load_yaml(path) if path.exists() else []
    if not isinstance(lines, list):
        raise ValueError("overrides.yaml is not a list")
    pairs = override_pairs(lines or [])
    return {"loss_fn" if key == "loss" else key: value for key, value in pairs if key not in PRESENTATION}


def _value(cfg: dict[str, Any], key: str, text: str) -> Any:
    """A swept key's resolved value (the override's text when the config lacks the key)."""
    if key in CONFIG_COLUMNS:
        return CONFIG_COLUMNS[key](cfg)
    node: Any = cfg
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return text
        node = node[part]
    return str(node) if isinstance(node, (list, dict)) else node


def _read_job(job: Path) -> tuple[dict[str, Any], dict[str, str], pd.DataFrame | None]:
    """(row, overrides, history) of a finished or failed job; raises ValueError otherwise."""
    try:
        cfg = load_yaml(job / SNAPSHOT / "config.yaml")
        if "${" in str(cfg):  # an interpolation (lr: ${optim.lr}): OmegaConf resolves it as the run did
            cfg = OmegaConf.to_container(OmegaConf.create(cfg), resolve=True)
        overrides = _overrides(job)
    except Exception as err:  # noqa: BLE001 - any unreadable config means a corrupt job
        raise ValueError(f"unreadable config ({type(err).__name__})") from None
    assert isinstance(cfg, dict)
    row: dict[str, Any] = {key: _value(cfg, key, text) for key, text in overrides.items()}
    row.update({key: read(cfg) for key, read in CONFIG_COLUMNS.items()})
    if (job / ERROR).exists() and not (job / METRICS).exists():
        error = _load_json(job / ERROR, "error.json")
        return {**row, "status": "failed", "error": error.get("error", "")}, overrides, None
    if not (job / METRICS).exists():
        raise ValueError("unfinished (no metrics.json)")
    metrics = _load_json(job / METRICS, METRICS)
    try:
        history = pd.read_csv(job / "history.csv")
    except Exception as err:  # noqa: BLE001
        raise ValueError(f"unreadable history.csv ({type(err).__name__})") from None
    if not {"epoch", "loss", "accuracy"} <= set(history.columns):
        raise ValueError("history.csv lacks epoch, loss or accuracy")
    status = "diverged" if metrics.get("diverged") else "ok"
    return {**row, "status": status, **metrics}, overrides, history


def _load_json(path: Path, name: str) -> dict[str, Any]:
    record = read_json(path)
    if record is None:
        raise ValueError(f"corrupt {name}")
    return record


def load_sweep(root: Path) -> Sweep:
    """Read every job directory under ``root``; unreadable ones go to ``skipped``."""
    rows: list[dict[str, Any]] = []
    histories: dict[str, pd.DataFrame] = {}
    skipped: list[tuple[str, str]] = []
    seen: dict[str, set[str]] = {}  # override key -> its values
    for job in job_dirs(root):
        name = job.relative_to(root).as_posix() or "."
        try:
            row, overrides, history = _read_job(job)
        except ValueError as err:
            skipped.append((name, str(err)))
            continue
        for key, text in overrides.items():
            seen.setdefault(key, set()).add(text)
        rows.append({"job": name, **row})
        if history is not None:
            histories[name] = history
    axes = [k for k, values in seen.items() if len(values) > 1 and k not in NOT_AXES]
    table = pd.DataFrame(rows)
    if not table.empty:
        table = _order(table, axes)
    return Sweep(root, table, axes, histories, skipped, _fixed(table, seen))


def _fixed(table: pd.DataFrame, seen: dict[str, set[str]]) -> dict[str, Any]:
    """Override keys given one value for every job, as read back (``lr=10`` -> 10.0)."""
    out: dict[str, Any] = {}
    for key, values in seen.items():
        if len(values) != 1 or key in NOT_AXES or key not in table.columns:
            continue
        column = table[key]
        if column.notna().all() and column.map(fmt).nunique() == 1:  # in every job, the same
            out[key] = column.iloc[0]
    return out


def _order(table: pd.DataFrame, axes: list[str]) -> pd.DataFrame:
    """Columns: job, swept keys, config, status, metrics; rows by dataset, axes, seed."""
    first = ["job", *axes, *[c for c in CONFIG_COLUMNS if c not in axes], "status"]
    columns = first + [c for c in table.columns if c not in first]
    table = table[[c for c in columns if c in table.columns]]
    keys = [c for c in ("dataset", *axes, "seed") if c in table.columns]
    order = sorted(range(len(table)), key=lambda i: tuple(sort_key(table[c].iloc[i]) for c in keys))
    return table.iloc[order].reset_index(drop=True)


def sort_key(value: Any) -> tuple[int, float, str]:
    """Numbers in numeric order before text; lists such as ``[4, 16]`` by their text."""
    if isinstance(value, (bool, np.bool_)):
        return (1, float(value), str(value))
    try:
        return (0, float(value), "")
    except (TypeError, ValueError):
        return (1, 0.0, str(value))


def label(row: pd.Series | dict[str, Any], axes: list[str]) -> str:
    """``lr=0.1, hidden=10``: the swept values of one row."""
    return ", ".join(f"{a}={fmt(row[a])}" for a in axes) if axes else "all runs"


def fmt(value: Any) -> str:
    """A compact text for a config value (``0.0001`` as ``1e-04``)."""
    return f"{value:g}" if isinstance(value, float) else str(value)
