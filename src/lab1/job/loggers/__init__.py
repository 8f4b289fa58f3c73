"""Experiment trackers (``logger=``): TensorBoard's event files, written where a job trains
(``tensorboard_logger``), and MLflow runs, logged by the launching process (``session``); see
docs/trackers.md."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from lab1.config import settings
from lab1.config.effects import reads
from lab1.config.schema import flat

TRACKERS = ("tensorboard", "mlflow")  # the logger group's trackers, each a key of conf/logger/*


def chosen(cfg: Any) -> list[str]:
    """The trackers a config turns on: ``tensorboard``, ``mlflow``, both or none."""
    node = OmegaConf.select(cfg, "logger") if isinstance(cfg, DictConfig) else None
    return [name for name in TRACKERS if node is not None and node.get(name)]


def params(cfg: Any) -> dict[str, Any]:
    """Every config value that affects the run and that its dataset and model read, flattened."""
    return {key: value for key, value in flat(settings(cfg)).items() if reads(cfg, key)}


def describe(err: BaseException) -> str:
    """An error in one line: its type and the first line of its message."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0]}" if text else type(err).__name__


def warn(name: str, where: Path | str, err: BaseException, then: str = "its files are written") -> None:
    """One line on stderr: the tracker that failed, the run, why, and what ``then`` holds."""
    text = f"lab1: warning: logger={name} could not log the run {where} ({describe(err)}); {then}"
    print(text, file=sys.stderr, flush=True)
