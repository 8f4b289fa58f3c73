"""Hydra callbacks: collect a multirun's results when it ends, whatever the launcher."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class CollectResults(Callback):
    """Write results.csv, summary.md and the sweep figures into the sweep directory; with
    ``logger=mlflow``, open the sweep's parent run first and log them to it at the end."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Runs in the launching process before any job: a tracking URI that cannot be opened
        is refused here, in one line, before anything trains."""
        from lab1.config import ConfigError
        from lab1.job.loggers import chosen

        if not chosen(config):
            return
        from lab1.job.loggers import sweep_run

        try:
            sweep_run.start(config, Path(config.hydra.sweep.dir))
        except ConfigError as err:
            print(f"lab1: error: {err}", file=sys.stderr)
            sys.exit(2)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Runs in the launching process after every job has returned."""
        from lab1.job import console
        from lab1.sweep.collect import collect

        root = Path(config.hydra.sweep.dir)
        if root.is_dir():
            done = collect(root)
            console.emit(f"lab1: collected {root}: {done.counts}")
            from lab1.job.loggers import SWEEP_ENV

            if SWEEP_ENV in os.environ:
                from lab1.job.loggers import sweep_run

                sweep_run.finish(done.files, root)
