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
from typing import Any

CONTEXT_ENV = "LAB1_TRACKERS"  # JSON the launching process hands its jobs: sweep directory, MLflow spool


def context() -> dict[str, Any]:
    """What the launching process handed on in ``CONTEXT_ENV``; {} when it handed nothing."""
    try:
        found = json.loads(os.environ.get(CONTEXT_ENV, "{}"))
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def warn(name: str, where: Path | str, err: BaseException | str) -> None:
    """One line on stderr: the tracker that failed, the run, why; the run's files stand."""
    text = str(err).strip()
    why = err if isinstance(err, str) else f"{type(err).__name__}: {text.splitlines()[0] if text else ''}"
    print(
        f"lab1: warning: logger={name} could not log the run {where} ({why}); its files are written",
        file=sys.stderr,
        flush=True,
    )
