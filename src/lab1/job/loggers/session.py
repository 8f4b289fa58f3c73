"""A command's MLflow session, in its launching process: finished runs logged from their directories.

A multirun's session spans Hydra's ``on_multirun_start`` and ``on_multirun_end``
(``lab1.sweep.callbacks``): the store is checked before any job trains; runs are logged as
the launching process sees them finish (the vectorized and cluster launchers, the basic
launcher's own jobs call ``finished``), and after collect every finished run of the sweep
directory that the store does not hold yet, then the sweep's files to its parent run. A
single run is logged once saved. The store is opened when the session starts, before any
job trains. Nowhere else (a worker, a compute node) is a session open.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from lab1.job.artifacts import SNAPSHOT
from lab1.job.loggers import chosen, params
from lab1.job.loggers.mlflow_logger import Store

_OPEN: list[Store] = []  # this process's session, while its command runs


def saved_params(run_dir: Path) -> dict[str, Any]:
    """The params of a run from its saved config (``.hydra/config.yaml``); {} if it has none."""
    path = run_dir / SNAPSHOT / "config.yaml"
    return params(OmegaConf.load(path)) if path.is_file() else {}


def start(cfg: Any, sweep_dir: Path | None) -> None:
    """Before any job trains: open the store (ConfigError if it cannot be opened)."""
    end()
    if "mlflow" in chosen(cfg):
        _OPEN.append(Store(cfg, sweep_dir))


def finished(run_dirs: Iterable[Path], cfg: Any = None, trained: bool = False) -> None:
    """Runs the launching process has seen finish (params from ``cfg``, else each run's
    snapshot; ``trained`` by this command: new to the store): logged now. Without a session
    in this process, nothing."""
    for store in _OPEN:
        for run_dir in run_dirs:
            get = (lambda: params(cfg)) if cfg is not None else partial(saved_params, run_dir)
            store.log(run_dir, get, trained)


def end(files: list[Path] | None = None, run_dirs: Iterable[Path] = ()) -> None:
    """The command is over: log ``run_dirs`` not logged yet and ``files`` to the sweep's
    parent run (FINISHED), or, with ``files`` None (refused, stopped), mark it KILLED."""
    finished(run_dirs)
    while _OPEN:
        _OPEN.pop().close(files or [], "FINISHED" if files is not None else "KILLED")
