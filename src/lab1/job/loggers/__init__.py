"""Experiment trackers (``logger=``): a finished job's results sent to TensorBoard and MLflow.

A job is handed to its trackers once, after its own files are written (``metrics.json``
last); a run kept by resume or copied by ``reuse`` is not handed on again. TensorBoard's event
files are written by the process that trained the job. MLflow runs are logged by one logging
process per command (``mlflow_process``, started by ``mlflow_handle``), which imports MLflow
and opens its store while Hydra starts and logs the jobs' payloads (``mlflow_spool``) while
they train and after; the command waits for it before it returns. A tracker that fails is one warning line naming the run: its files stand and a
sweep goes on.

This module holds what that logging process shares with the jobs, and imports only the
standard library so that the process starts quickly; the rest is in ``trackers``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NamedTuple

CONTEXT_ENV = "LAB1_TRACKERS"  # JSON the launching process hands its jobs: sweep directory, MLflow spool
SQLITE = "sqlite:///"  # an MLflow store in a SQLite file


def sqlite_path(uri: str) -> Path | None:
    """The database file of a ``sqlite:///`` URI, None for any other store."""
    return Path(uri[len(SQLITE) :]) if uri.startswith(SQLITE) else None


def context() -> dict[str, Any]:
    """What the launching process handed on in ``CONTEXT_ENV``; {} when it handed nothing."""
    try:
        found = json.loads(os.environ.get(CONTEXT_ENV, "{}"))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


class Job(NamedTuple):
    """A finished job as a tracker's ``log_job`` gets it."""

    out_dir: Path  # its run directory, every file written
    history: dict[str, Any]  # history.csv's columns: epoch, loss, accuracy
    record: dict[str, Any]  # metrics.json's values and the config hash
    params: dict[str, Any]  # every setting that affects the numbers, flattened (optim.beta1)
    context: dict[str, Any]  # what the launching process handed on (``context()``)


def describe(err: BaseException) -> str:
    """An error in one line: its type and the first line of its message."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0]}" if text else type(err).__name__


def warn(name: str, where: Path | str, err: BaseException) -> None:
    """One line on stderr: the tracker that failed, the run, why; the run's files stand."""
    print(
        f"lab1: warning: logger={name} could not log the run {where} ({describe(err)}); its files are written",
        file=sys.stderr,
        flush=True,
    )
