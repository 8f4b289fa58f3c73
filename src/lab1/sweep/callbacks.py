"""Hydra callbacks: collect a multirun's results when it ends, whatever the launcher."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig


class CollectResults(Callback):
    """Write results.csv, summary.md and the sweep figures into the sweep directory; with
    ``logger=mlflow``, log the sweep's runs from their directories (``lab1.job.loggers.session``)."""

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        """Runs in the launching process before any job: a tracking store that cannot be
        opened is refused here, in one line, before anything trains."""
        from lab1.config import ConfigError
        from lab1.job.loggers import session

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
        from lab1.sweep.results import job_dirs

        root = Path(config.hydra.sweep.dir)
        if root.is_dir():
            done = collect(root, figures=bool(config.plots.get("sweep", True)))
            console.emit(f"lab1: collected {root}: {done.counts}")
            session.end(done.files, job_dirs(root))
        session.end()
