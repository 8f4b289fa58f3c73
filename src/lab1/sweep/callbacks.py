"""Hydra callbacks: collect a multirun's results when it ends, whatever the launcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class CollectResults(Callback):
    """Write results.csv, summary.md and the sweep figures into the sweep directory."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Runs in the launching process after every job has returned."""
        from lab1.job import console
        from lab1.sweep.collect import collect

        root = Path(config.hydra.sweep.dir)
        if root.is_dir():
            done = collect(root)
            console.emit(f"lab1: collected {root}: {done.counts}")
