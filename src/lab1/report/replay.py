"""A sweep's run trained again from its saved config, to show what it printed and its parameters where
its loss fell. It must end on its own ``params.npz`` within ``TOLERANCE`` (a run trained beside
others can differ in the last bits), or ``ReplayError`` stops the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from lab1.config import settings
from lab1.config.schema import flat
from lab1.job import console
from lab1.job.artifacts import full_params
from lab1.job.population import MemberResult, Snapshot, train_configs
from lab1.job.rerun import defaults_for, saved_config, with_new_keys
from lab1.nn.snapshots import learning_epochs

FRAMES = 6  # frames of the training shown in the report
TOLERANCE = 1e-9  # largest difference from the saved weights, relative to max(1, |weight|)
PRINTS = 20  # loss lines of the console listing (every epochs/20 epochs, as the default 1000 of 20000)


class ReplayError(RuntimeError):
    """A run trained again did not end on its own saved parameters."""


@dataclass
class Replay:
    """A run as it trained: its result, what it printed, its frames."""

    result: MemberResult
    cfg: DictConfig
    command: str  # the ``python -m lab1`` command that trains it
    console: list[str]  # what that command prints, but the line naming the run directory
    frames: list[Snapshot]
    drift: float  # largest difference from the run's saved weights (0.0: bit for bit)


def _settings(cfg: DictConfig) -> dict[str, Any]:
    """Every value that changes what ``python -m lab1`` trains or prints, by dotted key."""
    return flat(settings(cfg, keep=("print_every",)))


def command(cfg: DictConfig, defaults: DictConfig) -> str:
    """``python -m lab1 dataset=NAME KEY=VALUE ...``: the overrides that make ``defaults`` this config."""
    default = _settings(defaults)
    changed = [
        f"{k}={'null' if v is None else v}"
        for k, v in _settings(cfg).items()
        if default.get(k) != v and not k.startswith("dataset.")
    ]
    return " ".join(["python -m lab1", f"dataset={cfg.dataset.name}", *changed])


def replay(run_dir: Path) -> Replay:
    """Train the run in ``run_dir`` again as ``python -m lab1`` does, with snapshots where its loss fell."""
    saved = saved_config(run_dir)
    defaults = defaults_for(saved)
    cfg = with_new_keys(saved, defaults)
    epochs = int(cfg.epochs)
    cfg.print_every = max(1, epochs // PRINTS)
    history = pd.read_csv(run_dir / "history.csv")
    at = learning_epochs(history["epoch"].to_numpy(), history["loss"].to_numpy(), FRAMES)
    lines: list[str] = []
    (r,) = train_configs(
        [cfg], on_print=lambda e, loss: lines.append(console.loss_line(e, float(loss[0]))), snapshot_epochs=at
    )
    with np.load(run_dir / "params.npz") as saved:
        drift = max(
            float(np.max(np.abs(v - saved[k]) / np.maximum(1.0, np.abs(saved[k])), initial=0.0))
            for k, v in full_params(r.params).items()
        )
    if not drift <= TOLERANCE:
        raise ReplayError(f"{run_dir} trained again ended {drift:.1e} away from its own params.npz")
    snapshots = [s for s in r.snapshots if s.epoch in at]
    return Replay(r, cfg, command(cfg, defaults), [*lines, *console.listing(r, cfg)], snapshots, drift)
