"""Hydra callbacks: collect a multirun's results when it ends, whatever the launcher."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class CollectResults(Callback):
    """Write results.csv, summary.md and the sweep figures into the sweep directory; with
    ``logger=mlflow``, the sweep's MLflow logging process runs from start to end."""

    def __init__(self) -> None:
        self.tracking = False  # this sweep started a tracker session

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Runs in the launching process before any job: a tracking URI that cannot be opened
        is refused here, in one line, before anything trains."""
        from lab1.config import ConfigError
        from lab1.job.loggers import session, trackers

        self.tracking = bool(trackers.chosen(config))
        if not self.tracking:
            return
        try:
            session.start(config, Path(config.hydra.sweep.dir))
        except ConfigError as err:
            print(f"lab1: error: {err}", file=sys.stderr)
            sys.exit(2)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Runs in the launching process after every job has returned."""
        from lab1.job import console
        from lab1.job.loggers import session
        from lab1.sweep.collect import collect

        if self.tracking:
            session.log_now()  # while this process collects the results on one core
        root = Path(config.hydra.sweep.dir)
        files: list[Path] = []
        try:
            if root.is_dir():
                done = collect(root, figures=bool(config.plots.get("sweep", True)))
                console.emit(f"lab1: collected {root}: {done.counts}")
                files = done.files
        except BaseException:
            session.abandon()
            raise
        if self.tracking:
            session.finish(files)
