"""Fixtures of the job layer's tests: an MLflow store with its tables made once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory) -> Path:
    """An MLflow SQLite file with its tables made once: creating them takes seconds."""
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    path = tmp_path_factory.mktemp("store") / "mlflow.db"
    MlflowClient(f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture
def store(tmp_path, empty_store) -> Path:
    """``outputs/mlflow.db`` (lab1's default store) in the test's directory, tables made."""
    (tmp_path / "outputs").mkdir(exist_ok=True)
    shutil.copyfile(empty_store, tmp_path / "outputs" / "mlflow.db")
    return tmp_path / "outputs" / "mlflow.db"
