"""``logger=mlflow``: each job one MLflow run, a multirun's jobs the children of one parent run.

The default store is a SQLite file, ``outputs/mlflow.db`` relative to where lab1 runs, with
the artifacts beside it (``outputs/mlartifacts``); ``logger.tracking_uri`` may name a server.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lab1.config import ConfigError
from lab1.job import artifacts

BATCH = 1000  # MLflow's most metrics in one log_batch
POINTS = 200  # at most about this many rows of history.csv per curve (the last always): a store's write costs
ARTIFACTS = ("*.png", artifacts.ANIMATION, artifacts.METRICS, "params.npz")
FINAL = ("loss", "accuracy", "epochs_run", "epochs_to_100", "wall_seconds")
SQLITE = "sqlite:///"


def absolute_uri(uri: str) -> str:
    """A relative SQLite path made absolute from where lab1 runs, so every process agrees."""
    if uri.startswith(SQLITE) and not uri.startswith(SQLITE + "/"):
        return SQLITE + str(Path(uri[len(SQLITE) :]).resolve())
    return uri


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


def client(uri: str) -> Any:
    """An MlflowClient of ``uri``; forked workers may use it (SQLite connections are not pooled)."""
    os.environ.setdefault("MLFLOW_SQLALCHEMYSTORE_POOLCLASS", "NullPool")
    warnings.filterwarnings("ignore", message=".*noload.*")  # MLflow's own use of SQLAlchemy, not lab1's
    from mlflow.tracking import MlflowClient

    for name in ("mlflow", "alembic"):  # MLflow's own INFO lines (creating its tables) stay quiet
        logging.getLogger(name).setLevel(logging.WARNING)
    return MlflowClient(tracking_uri=uri)


def open_store(uri: str | None, experiment: str | None) -> tuple[Any, str, str]:
    """(client, absolute URI, experiment id), the experiment created if new; ConfigError if the
    store cannot be opened."""
    uri = absolute_uri(uri or SQLITE + "outputs/mlflow.db")
    name = experiment or "lab1"
    try:
        if uri.startswith(SQLITE):
            Path(uri[len(SQLITE) :]).parent.mkdir(parents=True, exist_ok=True)
        with _quick_failure():
            mlflow = client(uri)
            found = mlflow.get_experiment_by_name(name)
            if found is not None:
                return mlflow, uri, str(found.experiment_id)
            where = None
            if uri.startswith(SQLITE):  # artifacts beside the database, not in ./mlruns
                where = (Path(uri[len(SQLITE) :]).parent / "mlartifacts").as_uri()
            return mlflow, uri, str(mlflow.create_experiment(name, artifact_location=where))
    except ImportError as err:
        raise ConfigError.plain(
            f"logger=mlflow cannot use {uri} ({err}): pip install -e '.[mlflow]' in a checkout"
        ) from None
    except Exception as err:  # noqa: BLE001 - whatever the store raises, one line and exit 2
        why = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError.plain(f"logger.tracking_uri={uri} cannot be opened: {why}") from None


def _metrics(history: dict[str, Any], record: dict[str, Any], now: int) -> list[Any]:
    """loss and accuracy at up to ``POINTS`` evenly spaced history rows and the last (step =
    epoch), then the final values."""
    from mlflow.entities import Metric

    rows = len(history["epoch"])
    keep = sorted({*range(0, rows, max(1, -(-rows // POINTS))), rows - 1}) if rows else []
    out = [
        Metric(key, float(history[key][i]), now, int(history["epoch"][i]))
        for key in ("loss", "accuracy")
        for i in keep
    ]
    step = int(record.get("epochs_run") or 0)
    for key in FINAL:
        if isinstance(record.get(key), (int, float)):
            out.append(
                Metric(f"final_{key}" if key in ("loss", "accuracy") else key, float(record[key]), now, step)
            )
    return out


def log_job(
    out_dir: Path,
    cfg: Any,
    history: dict[str, Any],
    record: dict[str, Any],
    params: dict[str, Any],
    sweep: dict[str, Any],
) -> None:
    """One MLflow run of a finished job: params, metrics, tags and artifacts."""
    from mlflow.entities import Param

    parent = sweep.get("mlflow") or {}
    if parent:
        mlflow, experiment_id = client(parent["tracking_uri"]), parent["experiment_id"]
    else:
        mlflow, _, experiment_id = open_store(cfg.logger.tracking_uri, cfg.logger.experiment)
    now = int(time.time() * 1000)
    tags = {
        "lab1.run_dir": str(out_dir.resolve()),
        "lab1.sweep_dir": str(sweep.get("sweep_dir", "")),
        "lab1.job": out_dir.name,
        "lab1.config_hash": str(record.get("config_hash", "")),
    }
    if parent:
        tags["mlflow.parentRunId"] = parent["run_id"]
    start = now - int(1000 * float(record.get("wall_seconds") or 0))
    run_id = mlflow.create_run(experiment_id, start_time=start, tags=tags, run_name=out_dir.name).info.run_id
    try:
        mlflow.log_batch(run_id, params=[Param(k, str(v)) for k, v in params.items()])
        metrics = _metrics(history, record, now)
        for i in range(0, len(metrics), BATCH):
            mlflow.log_batch(run_id, metrics=metrics[i : i + BATCH])
        for path in sorted({p for pattern in ARTIFACTS for p in out_dir.glob(pattern)}):
            mlflow.log_artifact(run_id, str(path))
    except BaseException:
        mlflow.set_terminated(run_id, "FAILED")
        raise
    mlflow.set_terminated(run_id, "FINISHED")
