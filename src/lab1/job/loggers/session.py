"""A command's tracker session, in its launching process: what the jobs are handed, and the
MLflow logging process started before they train and waited for after they end.

A multirun's session spans Hydra's ``on_multirun_start`` and ``on_multirun_end``
(``lab1.sweep.callbacks``); a single run's spans its training (``single``). The jobs get the
session's context in the environment variable ``CONTEXT_ENV``, which every launcher's
processes inherit: forked workers, joblib's, submitit's.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lab1.job.loggers import CONTEXT_ENV, mlflow_store
from lab1.job.loggers.mlflow_handle import Handle
from lab1.job.loggers.trackers import chosen

SPOOL = ".mlflow-spool"  # a multirun's spool, in its sweep directory (shared with a cluster's nodes)
_RUNNING: list[Handle] = []  # this process's logging process, while its command runs


def start(cfg: Any, sweep_dir: Path | None) -> None:
    """Before any job trains: check the MLflow store (ConfigError if it cannot be opened),
    start the logging process, and hand the jobs their context. A session an earlier
    command in this process left open is ended first."""
    abandon()
    handed: dict[str, Any] = {"sweep_dir": str(sweep_dir.resolve())} if sweep_dir is not None else {}
    if "mlflow" in chosen(cfg):
        uri = mlflow_store.check(cfg.logger.tracking_uri, cfg.logger.experiment)
        spool = (
            (sweep_dir / SPOOL).resolve()
            if sweep_dir is not None
            else Path(tempfile.mkdtemp(prefix="lab1-mlflow-"))
        )
        session = {
            "tracking_uri": uri,
            "experiment": cfg.logger.experiment or mlflow_store.EXPERIMENT,
            "location": mlflow_store.artifact_location(uri),
            "spool": str(spool),
            "sweep_dir": handed.get("sweep_dir"),
        }
        _RUNNING.append(Handle(session))
        handed["mlflow"] = {"spool": str(spool)}
    os.environ[CONTEXT_ENV] = json.dumps(handed)


def log_now() -> None:
    """The jobs have ended (or, in a single run, train on one core): the logging process
    logs each job as it comes, from now on."""
    for handle in _RUNNING:
        handle.log_now()


def finish(files: list[Path]) -> None:
    """After every job: the logging process logs what is left and ``files`` (a sweep's
    results) to the sweep's parent run; wait for it."""
    os.environ.pop(CONTEXT_ENV, None)
    while _RUNNING:
        _RUNNING.pop().close([str(path.resolve()) for path in files])


def abandon() -> None:
    """A command refused or stopped: log what the jobs handed on, if any (nothing for the
    sweep's parent run); wait for it."""
    os.environ.pop(CONTEXT_ENV, None)
    while _RUNNING:
        _RUNNING.pop().close(None)


@contextmanager
def single(cfg: Any) -> Iterator[None]:
    """A single run's session, around its training and its files."""
    start(cfg, None)
    log_now()
    try:
        yield
    except BaseException:
        abandon()
        raise
    finish([])
