"""A command's MLflow session, in its launching process: finished runs logged from their directories.

A multirun's session spans Hydra's ``on_multirun_start`` and ``on_multirun_end``
(``lab1.sweep.callbacks``): the store is checked before any job trains; runs are logged as
the launching process sees them finish (the vectorized and cluster launchers call
``finished``), and after collect every finished run of the sweep directory that the store
does not hold yet, then the sweep's files to its parent run. A single run is logged once
saved. The store is opened (MLflow imported) when the first run is logged.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from lab1.job.artifacts import SNAPSHOT
from lab1.job.loggers import chosen, describe, params, warn
from lab1.job.loggers.mlflow_logger import EXPERIMENT, Store, check, identity


def saved_params(run_dir: Path) -> dict[str, Any]:
    """The params of a run from its saved config (``.hydra/config.yaml``); {} if it has none."""
    path = run_dir / SNAPSHOT / "config.yaml"
    return params(OmegaConf.load(path)) if path.is_file() else {}


class Session:
    """The store of one command: checked at once, opened at the first run to log."""

    def __init__(self, cfg: Any, sweep_dir: Path | None) -> None:
        self.uri = check(cfg.logger.tracking_uri, cfg.logger.experiment)  # ConfigError: refused
        self.experiment = cfg.logger.experiment or EXPERIMENT
        self.sweep_dir = sweep_dir
        self.store: Store | None = None
        self.down = False  # the store stopped answering: the rest waits for the next command
        self.failed: set[Path] = set()  # runs that failed to log: not tried again by this command

    def _give_up(self, err: BaseException) -> None:
        self.down = True
        later = f"on {self.sweep_dir}" if self.sweep_dir else "that logs this run"
        print(
            f"lab1: warning: logger=mlflow: the store {self.uri} does not answer ({describe(err)}); "
            f"the runs not logged are logged by the next logger=mlflow command {later}",
            file=sys.stderr,
            flush=True,
        )

    def log(self, run_dirs: Iterable[Path], cfg: Any = None) -> None:
        """Log each finished run the store does not hold yet (params from ``cfg``, else its snapshot)."""
        for run_dir in run_dirs:
            key = identity(run_dir)
            if self.down or key is None or run_dir.resolve() in self.failed:
                continue
            try:
                if self.store is None:
                    self.store = Store(self.uri, self.experiment, self.sweep_dir)
                if not self.store.holds(key):
                    self.store.log(run_dir, params(cfg) if cfg is not None else saved_params(run_dir), key)
            except Exception as err:  # noqa: BLE001 - a tracker's failure is a warning, never the run's
                if self.store is not None and self.store.answers():
                    warn("mlflow", run_dir, err)
                    self.failed.add(run_dir.resolve())
                else:
                    self._give_up(err)

    def close(self, files: list[Path], status: str) -> None:
        """The sweep's files to its parent run, and its status (FINISHED, KILLED)."""
        if self.store is not None and not self.down:
            try:
                self.store.close(files, status)
            except Exception as err:  # noqa: BLE001 - as above
                warn("mlflow", self.sweep_dir or "", err)


_OPEN: list[Session] = []  # this process's session, while its command runs


def start(cfg: Any, sweep_dir: Path | None) -> None:
    """Before any job trains: check the store (ConfigError if it cannot be opened)."""
    end()
    if "mlflow" in chosen(cfg):
        _OPEN.append(Session(cfg, sweep_dir))


def finished(run_dirs: Iterable[Path], cfg: Any = None) -> None:
    """Runs the launching process has seen finish: logged now (no session here: nothing)."""
    for session in _OPEN:
        session.log(run_dirs, cfg)


def end(files: list[Path] | None = None, run_dirs: Iterable[Path] = ()) -> None:
    """The command is over: log ``run_dirs`` not logged yet and ``files`` to the sweep's
    parent run (FINISHED), or, with ``files`` None (refused, stopped), mark it KILLED."""
    while _OPEN:
        session = _OPEN.pop()
        session.log(run_dirs)
        session.close(files or [], "FINISHED" if files is not None else "KILLED")
