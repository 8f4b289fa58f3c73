"""A multirun's MLflow parent run, opened and closed in the launching process.

``start`` finds the sweep directory's parent run (a resumed sweep keeps its own) or creates
it, and passes it to the jobs through an environment variable, which every launcher's
processes inherit; ``finish`` adds results.csv, summary.md and the sweep figures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from lab1.job.loggers import SWEEP_ENV, chosen, warn
from lab1.job.loggers import mlflow_logger as ml


def start(config: Any, sweep_dir: Path) -> None:
    """Open the store and the parent run; ConfigError if the tracking URI cannot be opened."""
    context: dict[str, Any] = {"sweep_dir": str(sweep_dir.resolve())}
    if "mlflow" in chosen(config):
        mlflow, uri, experiment_id = ml.open_store(config.logger.tracking_uri, config.logger.experiment)
        tag = f"tags.`lab1.sweep_dir` = '{context['sweep_dir']}' and tags.`lab1.kind` = 'sweep'"
        found = mlflow.search_runs([experiment_id], filter_string=tag, max_results=1)
        if found:
            run_id = found[0].info.run_id
            mlflow.update_run(run_id, status="RUNNING")
        else:
            tags = {"lab1.sweep_dir": context["sweep_dir"], "lab1.kind": "sweep"}
            run_id = mlflow.create_run(experiment_id, tags=tags, run_name=sweep_dir.name).info.run_id
        context["mlflow"] = {"tracking_uri": uri, "experiment_id": experiment_id, "run_id": run_id}
    os.environ[SWEEP_ENV] = json.dumps(context)


def finish(files: list[Path], sweep_dir: Path) -> None:
    """Log the sweep's collected files to its parent run and close it; a failure is a warning."""
    context = json.loads(os.environ.pop(SWEEP_ENV, "{}"))
    parent = context.get("mlflow")
    if not parent:
        return
    try:
        mlflow = ml.client(parent["tracking_uri"])
        for path in files:
            if path.is_file():
                mlflow.log_artifact(parent["run_id"], str(path))
        mlflow.set_terminated(parent["run_id"], "FINISHED")
    except Exception as err:  # noqa: BLE001 - the sweep's own files are written
        warn("mlflow", sweep_dir, err)
