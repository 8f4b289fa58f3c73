"""Where ``logger=mlflow`` stores runs, and the check made before anything trains.

The default store is a SQLite file, ``outputs/mlflow.db`` relative to where lab1 runs, with
the artifacts beside it (``outputs/mlartifacts``). A SQLite store is checked with Python's own
``sqlite3`` (the directory can be made, the file is a database lab1 may write), so the
launching process never imports MLflow and the logging process opens the store while the
jobs train. Any other store (``http://`` a team's server, a database URL) is opened by MLflow
itself before anything trains.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from lab1.config import ConfigError
from lab1.job.loggers import SQLITE, describe, sqlite_path
from lab1.job.places import OUTPUTS, where_lab1_runs

DEFAULT = f"{SQLITE}{OUTPUTS}/mlflow.db"
EXPERIMENT = "lab1"


def absolute_uri(uri: str | None) -> str:
    """The tracking URI (default ``DEFAULT``), a relative SQLite path made absolute from where
    lab1 runs, so every process agrees."""
    uri = uri or DEFAULT
    path = sqlite_path(uri)
    if path is not None and not path.is_absolute():
        return SQLITE + str((where_lab1_runs() / path).resolve())
    return uri


def artifact_location(uri: str) -> str | None:
    """A SQLite store keeps its artifacts beside the database, not in ./mlruns; None: MLflow's choice."""
    path = sqlite_path(uri)
    return (path.parent / "mlartifacts").as_uri() if path is not None else None


def _check_sqlite(path: Path) -> None:
    """The directory can be made and written; an existing file is a SQLite database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(f"cannot create files in {path.parent}")
        return
    if not os.access(path, os.R_OK | os.W_OK):
        raise PermissionError(f"cannot write {path}")
    with sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True) as db:
        db.execute("select count(*) from sqlite_master").fetchone()  # "file is not a database"


def check(uri: str | None, experiment: str | None) -> str:
    """The absolute tracking URI once its store is known to open; ConfigError (one line) if not."""
    uri = absolute_uri(uri)
    path = sqlite_path(uri)
    try:
        if path is not None:
            _check_sqlite(path)
        else:
            from lab1.job.loggers import mlflow_logger

            mlflow_logger.open_store(uri, experiment or EXPERIMENT)
    except ImportError as err:
        raise ConfigError.plain(
            f"logger=mlflow cannot use {uri} ({err}): pip install -e '.[mlflow]' in a checkout"
        ) from None
    except Exception as err:  # noqa: BLE001 - whatever the store raises, one line and exit 2
        raise ConfigError.plain(f"logger.tracking_uri={uri} cannot be opened: {describe(err)}") from None
    return uri
