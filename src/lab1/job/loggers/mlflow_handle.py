"""The launching process's side of the MLflow logging process (``mlflow_process``).

``start_early`` starts it first thing in ``python -m lab1`` when the command line chooses
MLflow, so that MLflow's import (about 1.5 s of CPU) runs while Hydra starts and composes on
the other core; otherwise ``Handle`` starts it when the command's session begins, before
any job trains. Everything it is told goes over its stdin, one line each: ``session JSON``
(store, experiment, spool, sweep), ``now`` (the jobs have ended: log each as it comes) and
``done JSON`` (the sweep's files for its parent run). It runs in its own process group, so
a Ctrl-C meant for the sweep does not cut its logging short, and writes nothing to stdout.
It stays in lab1's session: Linux schedules each session as one group (autogroup), and a
session of its own would give it half the CPU whatever its own priority
(``benchmarks/bench_loggers.py``).
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
from typing import Any

WAIT = 120.0  # seconds the command waits for its logging to end before leaving it to finish alone
_EARLY: list[subprocess.Popen[bytes]] = []  # started before Hydra composed the config, not yet claimed


def _spawn() -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "lab1.job.loggers.mlflow_process", str(os.getpid())]
    env = {**os.environ, "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}  # lab1's stdout is lab1's
    group: dict[str, Any] = (
        {"process_group": 0} if sys.version_info >= (3, 11) else {"preexec_fn": os.setpgrp}
    )
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, **group)


def _stop_unclaimed() -> None:
    """At exit: an early process the config did not use after all goes too."""
    while _EARLY:
        _EARLY.pop().kill()


def start_early(args: list[str]) -> None:
    """Start the logging process now if a command-line argument chooses MLflow
    (``logger=mlflow``, ``logger=[tensorboard,mlflow]``); ``Handle`` claims it later."""
    for arg in args:
        key, _, value = arg.lstrip("+~").partition("=")
        if key == "logger" and "mlflow" in value and not _EARLY:
            _EARLY.append(_spawn())
            atexit.register(_stop_unclaimed)


class Handle:
    """The launching process's hold on one command's logging process."""

    def __init__(self, session: dict[str, Any]) -> None:
        """Claim the process started early (if it is still alive) or start one; tell it the session."""
        early = _EARLY.pop() if _EARLY else None
        self.process = early if early is not None and early.poll() is None else _spawn()
        self._say("session", session)

    def _say(self, word: str, value: Any = None) -> None:
        line = word if value is None else f"{word} {json.dumps(value)}"
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(line.encode() + b"\n")
            self.process.stdin.flush()
        except OSError:
            pass  # it has ended already; it said why on stderr

    def log_now(self) -> None:
        """The jobs have ended: log every payload as it comes, from now on."""
        self._say("now")

    def close(self, files: list[str] | None) -> None:
        """The command is over: log what is left (and ``files`` to the sweep's parent run,
        unless None: the command did not finish); wait up to ``WAIT`` seconds."""
        self._say("done", {"files": files})
        try:
            self.process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            print(
                f"lab1: logger=mlflow is still logging after {WAIT:.0f} s (the machine is busy);"
                f" process {self.process.pid} goes on alone and ends when every run is in the store",
                file=sys.stderr,
                flush=True,
            )
