"""``logger=mlflow`` in a job: its payload, everything its MLflow run will hold, written into
the spool of the command's logging process (``mlflow_process``).

The spool is a directory (a multirun's is in its sweep directory), so a job may be any
process: a forked worker, joblib's, submitit's, or a cluster's node sharing the sweep
directory. The payload is one JSON file in ``pending/``, written whole; the logging process
logs it and removes it. One left when a command ends (the logging process failed or was
killed) is logged the next time the same sweep directory is run.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from lab1.job import artifacts
from lab1.job.loggers import Job
from lab1.job.loggers.mlflow_process import PENDING, write_json

POINTS = 200  # at most about this many rows of history.csv per curve (the last always): a store's write costs
ARTIFACTS = ("*.png", artifacts.ANIMATION, artifacts.METRICS, "params.npz")
FINAL = ("loss", "accuracy", "epochs_run", "epochs_to_100", "wall_seconds")


def metrics(history: dict[str, Any], record: dict[str, Any]) -> list[tuple[str, float, int]]:
    """(key, value, step): loss and accuracy at up to ``POINTS`` evenly spaced history rows and
    the last (step = epoch), then the final values."""
    rows = len(history["epoch"])
    keep = sorted({*range(0, rows, max(1, -(-rows // POINTS))), rows - 1}) if rows else []
    out = [
        (key, float(history[key][i]), int(history["epoch"][i])) for key in ("loss", "accuracy") for i in keep
    ]
    step = int(record.get("epochs_run") or 0)
    for key in FINAL:
        if isinstance(record.get(key), (int, float)):
            out.append((f"final_{key}" if key in ("loss", "accuracy") else key, float(record[key]), step))
    return out


def payload(job: Job) -> dict[str, Any]:
    """Everything a job's MLflow run holds: tags, params (as text), metrics, artifact paths."""
    end, run_dir = int(time.time() * 1000), job.out_dir.resolve()
    return {
        "name": run_dir.name,
        "run_dir": str(run_dir),
        "start_ms": end - int(1000 * float(job.record.get("wall_seconds") or 0)),
        "end_ms": end,
        "tags": {
            "lab1.run_dir": str(run_dir),
            "lab1.sweep_dir": str(job.context.get("sweep_dir", "")),
            "lab1.job": run_dir.name,
            "lab1.config_hash": str(job.record.get("config_hash", "")),
        },
        "params": {key: str(value) for key, value in job.params.items()},
        "metrics": metrics(job.history, job.record),
        "artifacts": [str(p) for p in sorted({p for a in ARTIFACTS for p in run_dir.glob(a)})],
    }


def log_job(job: Job) -> None:
    """Hand a finished job to the logging process of the command that runs it."""
    spool = (job.context.get("mlflow") or {}).get("spool")
    if not spool:
        raise RuntimeError("no MLflow logging process was started for this run")
    write_json(Path(spool) / PENDING / f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.json", payload(job))
