"""Fixtures of the job layer's tests: an MLflow store with its tables made once."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    """An MLflow SQLite file with its tables made once, in a new file as lab1 makes
    one (write-ahead-log mode, checkpointed so that a copy of the file is the whole store):
    creating the tables takes seconds."""
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    from lab1.job.loggers.session import check_store

    path = tmp_path_factory.mktemp("store") / "mlflow.db"
    check_store(f"sqlite:///{path}")
    MlflowClient(f"sqlite:///{path}").search_experiments()  # the tables, not lab1's experiment
    with contextlib.closing(sqlite3.connect(path)) as db:
        assert db.execute("pragma wal_checkpoint(truncate)").fetchone()[0] == 0  # not busy
    return path


@pytest.fixture
def store(tmp_path, empty_store) -> Path:
    """``outputs/mlflow.db`` (lab1's default store) in the test's directory, tables made."""
    (tmp_path / "outputs").mkdir(exist_ok=True)
    shutil.copyfile(empty_store, tmp_path / "outputs" / "mlflow.db")
    return tmp_path / "outputs" / "mlflow.db"
