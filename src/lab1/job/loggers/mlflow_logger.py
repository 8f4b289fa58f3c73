"""MLflow's own client at work, in the logging process: a job's run, a sweep's parent run.

Everything here is told by a job's payload (``mlflow_spool``) what to log; nothing reads a
config. Imports only the standard library, MLflow and ``lab1.job.loggers``.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from lab1.job.loggers import sqlite_path

BATCH = 1000  # MLflow's most metrics in one log_batch
SWEEP_TAG = "lab1.kind"  # = "sweep" on a multirun's parent run


@contextmanager
def _quick_failure() -> Iterator[None]:
    """A server that does not answer fails at once while lab1 checks it (no retries)."""
    saved = {k: os.environ.get(k) for k in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT")}
    os.environ.update({"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"})
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def warm() -> None:
    """Import MLflow's client now (about 1 s of CPU), so that opening a store later is quicker."""
    import mlflow.tracking  # noqa: F401


def client(uri: str) -> Any:
    """An MlflowClient of ``uri``, MLflow's own log lines kept quiet."""
    warnings.filterwarnings("ignore", message=".*noload.*")  # MLflow's own use of SQLAlchemy, not lab1's
    from mlflow.tracking import MlflowClient

    for name in ("mlflow", "alembic"):  # lab1 says what failed, in one line
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return MlflowClient(tracking_uri=uri)


def answers(mlflow: Any, experiment_id: str) -> bool:
    """Whether the store still answers (after one run failed to log: was it the store?)."""
    try:
        with _quick_failure():
            mlflow.get_experiment(experiment_id)
        return True
    except Exception:  # noqa: BLE001 - whatever it raises, it did not answer
        return False


@contextmanager
def _alone(uri: str) -> Iterator[None]:
    """One process at a time opens a SQLite store: MLflow makes a new store's tables in many
    steps, and two commands doing it at once broke each other's ("duplicate column name").
    The lock is ``flock`` on a file beside the database (``mlflow.db.lock``), never on the
    database itself, whose own locks SQLite keeps (on NFS, flock is such a lock)."""
    path = sqlite_path(uri)
    if path is None:
        yield
        return
    with open(path.with_name(path.name + ".lock"), "ab") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        yield


def open_store(uri: str, experiment: str, artifact_location: str | None = None) -> tuple[Any, str]:
    """(client, experiment id), the experiment created if new (its artifacts at
    ``artifact_location``); raises what the store raises."""
    with _quick_failure(), _alone(uri):
        mlflow = client(uri)
        found = mlflow.get_experiment_by_name(experiment)
        if found is not None:
            return mlflow, str(found.experiment_id)
        return mlflow, str(mlflow.create_experiment(experiment, artifact_location=artifact_location))


def log_job(mlflow: Any, experiment_id: str, payload: dict[str, Any], parent: str | None) -> None:
    """One MLflow run of a finished job from its payload: params, metrics, tags, artifacts."""
    from mlflow.entities import Metric, Param

    tags = dict(payload["tags"])
    if parent is not None:
        tags["mlflow.parentRunId"] = parent
    run = mlflow.create_run(
        experiment_id, start_time=payload["start_ms"], tags=tags, run_name=payload["name"]
    )
    run_id = run.info.run_id
    try:
        params = [Param(k, v) for k, v in payload["params"].items()]
        metrics = [Metric(key, value, payload["end_ms"], step) for key, value, step in payload["metrics"]]
        for i in range(0, max(1, len(metrics)), BATCH - len(params)):  # params ride in the first batch
            mlflow.log_batch(
                run_id, metrics=metrics[i : i + BATCH - len(params)], params=params if i == 0 else []
            )
        for path in payload["artifacts"]:
            mlflow.log_artifact(run_id, path)
    except BaseException:
        mlflow.set_terminated(run_id, "FAILED", end_time=payload["end_ms"])
        raise
    mlflow.set_terminated(run_id, "FINISHED", end_time=payload["end_ms"])


def sweep_run(mlflow: Any, experiment_id: str, sweep_dir: str) -> str:
    """The parent run of a sweep directory: the one it had (a resumed sweep), else a new one.
    Found by a hash of the directory's path (tag ``lab1.sweep_id``), which needs no quoting."""
    sweep_id = hashlib.sha256(sweep_dir.encode()).hexdigest()[:16]
    query = f"tags.`lab1.sweep_id` = '{sweep_id}' and tags.`{SWEEP_TAG}` = 'sweep'"
    found = mlflow.search_runs([experiment_id], filter_string=query, max_results=1)
    if found:
        mlflow.update_run(found[0].info.run_id, status="RUNNING")
        return str(found[0].info.run_id)
    tags = {"lab1.sweep_dir": sweep_dir, "lab1.sweep_id": sweep_id, SWEEP_TAG: "sweep"}
    name = sweep_dir.rstrip("/").rsplit("/", 1)[-1]
    return str(mlflow.create_run(experiment_id, tags=tags, run_name=name).info.run_id)


def close_sweep_run(mlflow: Any, run_id: str, files: list[str], status: str) -> None:
    """Log the sweep's collected files to its parent run and set its status."""
    for path in files:
        if os.path.isfile(path):
            mlflow.log_artifact(run_id, path)
    mlflow.set_terminated(run_id, status, end_time=int(time.time() * 1000))
