"""Which trackers a config turns on, what they are told, and the one table that dispatches to them."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from lab1.config import settings
from lab1.job.loggers import Job, context, warn

TRACKERS = {  # logger.<name> -> the module whose log_job(job: Job) logs a finished job
    "tensorboard": "lab1.job.loggers.tensorboard_logger",
    "mlflow": "lab1.job.loggers.mlflow_spool",
}


def chosen(cfg: Any) -> list[str]:
    """The trackers a config turns on: ``tensorboard``, ``mlflow``, both or none."""
    node = OmegaConf.select(cfg, "logger") if isinstance(cfg, DictConfig) else None
    return [name for name in TRACKERS if node is not None and node.get(name)]


def flat_settings(cfg: Any) -> dict[str, Any]:
    """Every config value that affects the numbers (``config.settings``), flattened:
    ``optim.beta1`` -> 0.9."""
    flat: dict[str, Any] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}{key}.", value)
        else:
            flat[prefix[:-1]] = node

    walk("", settings(cfg))
    return flat


def log_job(out_dir: Path, cfg: DictConfig, history: dict[str, Any], record: dict[str, Any]) -> None:
    """Hand a finished job (its files written) to every chosen tracker; never raises."""
    names = chosen(cfg)
    if not names:
        return
    job = Job(out_dir, history, record, flat_settings(cfg), context())
    for name in names:
        try:
            importlib.import_module(TRACKERS[name]).log_job(job)
        except Exception as err:  # noqa: BLE001 - a tracker's failure is a warning, never the run's
            warn(name, out_dir, err)
