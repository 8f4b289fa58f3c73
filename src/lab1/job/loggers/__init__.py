"""Experiment trackers (``logger=``): a finished job's results sent to TensorBoard and MLflow.

A job is logged once, after its own files are written (``metrics.json`` last), in the process
that trained it; a run kept by resume or copied by ``reuse`` is not logged again. A tracker
that fails is one warning line naming the run: the run's files stand and a sweep goes on.
The trackers' packages are imported only when one is chosen.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from lab1.config import PRESENTATION

SWEEP_ENV = (
    "LAB1_TRACKERS"  # a multirun's launching process: JSON of its sweep directory and MLflow parent run
)


def chosen(cfg: Any) -> list[str]:
    """The trackers a config turns on: ``tensorboard``, ``mlflow``, both or none."""
    node = OmegaConf.select(cfg, "logger") if isinstance(cfg, DictConfig) else None
    return [name for name in ("tensorboard", "mlflow") if node is not None and node.get(name)]


def settings(cfg: Any) -> dict[str, Any]:
    """Every config value that affects the numbers, flattened: ``optim.beta1`` -> 0.9."""
    values = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(values, dict)
    for key in PRESENTATION:
        values.pop(key, None)
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}{key}.", value)
        else:
            flat[prefix[:-1]] = node

    walk("", values)
    return flat


def sweep_context() -> dict[str, Any]:
    """What the launching process of a multirun passed on (``SWEEP_ENV``); {} for a single run."""
    try:
        found = json.loads(os.environ.get(SWEEP_ENV, "{}"))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def check(cfg: DictConfig) -> None:
    """Before a single run trains: open its MLflow store (ConfigError if it cannot be opened)."""
    if "mlflow" in chosen(cfg) and "mlflow" not in sweep_context():
        from lab1.job.loggers import mlflow_logger

        mlflow_logger.open_store(cfg.logger.tracking_uri, cfg.logger.experiment)


def warn(name: str, out_dir: Path, err: BaseException) -> None:
    """One line on stderr: the tracker that failed, the run, why; the run's files stand."""
    why = f"{type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
    print(
        f"lab1: warning: logger={name} could not log the run {out_dir} ({why}); its files are written",
        file=sys.stderr,
        flush=True,
    )


def log_job(out_dir: Path, cfg: DictConfig, history: dict[str, Any], record: dict[str, Any]) -> None:
    """Send a finished job (its files written) to every chosen tracker; never raises."""
    names = chosen(cfg)
    if not names:
        return
    params = settings(cfg)
    for name in names:
        try:
            if name == "tensorboard":
                from lab1.job.loggers import tensorboard_logger

                tensorboard_logger.log(out_dir, history, record, params)
            else:
                from lab1.job.loggers import mlflow_logger

                mlflow_logger.log_job(out_dir, cfg, history, record, params, sweep_context())
        except Exception as err:  # noqa: BLE001 - a tracker's failure is a warning, never the run's
            warn(name, out_dir, err)
