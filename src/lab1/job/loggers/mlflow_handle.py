"""The launching process's side of the MLflow logging process (``mlflow_process``).

``start_early`` starts it first thing in ``python -m lab1`` when the command line chooses
MLflow, so that MLflow's import (about 1.5 s of CPU) runs while Hydra starts and composes on
the other core; otherwise ``Handle`` starts it when the command's session begins, before
any job trains. Everything it is told goes over its stdin, one line each: ``session JSON``
(store, experiment, spool, sweep), ``now`` (the jobs have ended: log each as it comes) and
``done JSON`` (the sweep's files for its parent run). It runs in its own session, so a
Ctrl-C meant for the sweep does not cut its logging short, and its scheduling group can
yield to the jobs (``share``); it writes nothing to stdout.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

WAIT = 120.0  # seconds the command waits for its logging to end before leaving it to finish alone
DETACH = signal.SIGWINCH  # told to the logging process left alone: let go of lab1's stderr
# (ignored by default, so one arriving early harms nothing; no terminal sends it to a session of its own)
_EARLY: list[subprocess.Popen[bytes]] = []  # started before Hydra composed the config, not yet claimed


NICE = 19  # where autogroup does not apply: the logging process's own niceness, for good


@functools.cache
def _autogroup_applies() -> bool:
    """Whether Linux schedules this session as one group: autogroup is on, and this process
    sits in the root of the cpu controller (a cgroup of its own, as systemd gives a login or
    a container its processes, takes autogroup's place)."""
    try:
        if Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() != "1":
            return False
        if Path("/sys/fs/cgroup/cpu.weight").exists():  # cgroup v2: only a cgroup below the root has it
            return False
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if (not controllers or "cpu" in controllers.split(",")) and path != "/":
                return False
        return True
    except (OSError, ValueError):
        return False


def _set_autogroup(pid: int, niceness: int) -> None:
    """Write the niceness of ``pid``'s autogroup; Linux takes one such change per 0.1 s,
    machine-wide, from a process without CAP_SYS_ADMIN, so it is tried for up to 2 s."""
    for _ in range(20):
        try:
            Path(f"/proc/{pid}/autogroup").write_text(str(niceness))
            return
        except BlockingIOError:
            time.sleep(0.1)
        except OSError:
            return  # it has ended already


def share(pid: int, yielding: bool, wait: bool = False) -> None:
    """While the jobs train, the logging process ``pid`` takes only CPU they leave idle; once
    they end, a fair share.

    It has a session of its own, which Linux schedules as one group (autogroup): that
    group's niceness is 19 while the jobs train and 0 after, both of which an unprivileged
    process may set, for itself or for its child (in a thread, unless ``wait``: it may have
    to wait for its turn). A process's own ``SCHED_IDLE`` or niceness cannot be lifted again without
    privilege: where autogroup does not apply (turned off, a cgroup of its own, not Linux)
    it gets niceness ``NICE`` for good, and the jobs still come first. Its cost, side by
    side: ``benchmarks/bench_loggers.py``.
    """
    if _autogroup_applies():
        niceness = 19 if yielding else 0
        if wait:
            _set_autogroup(pid, niceness)
        else:
            threading.Thread(target=_set_autogroup, args=(pid, niceness), daemon=True).start()
    elif yielding:
        with contextlib.suppress(OSError):  # it has ended already
            os.setpriority(os.PRIO_PROCESS, pid, NICE)


def _spawn(yielding: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "lab1.job.loggers.mlflow_process", str(os.getpid())]
    env = {**os.environ, "MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT": "true"}  # lab1's stdout is lab1's
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, start_new_session=True
    )
    if yielding:
        share(process.pid, yielding=True)
    return process


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
            _EARLY.append(_spawn(yielding=True))  # most such commands are sweeps
            atexit.register(_stop_unclaimed)


class Handle:
    """The launching process's hold on one command's logging process."""

    def __init__(self, session: dict[str, Any]) -> None:
        """Claim the process started early (if it is still alive) or start one; tell it the session."""
        early = _EARLY.pop() if _EARLY else None
        alive = early if early is not None and early.poll() is None else None
        self.yielding = alive is not None or bool(session.get("sweep_dir"))  # an early one yields
        self.process = alive if alive is not None else _spawn(self.yielding)
        self.session = session
        self._say("session", session)
        atexit.register(self._fair, wait=True)  # Ctrl-C: the command ends without a word to it

    def _fair(self, wait: bool = False) -> None:
        """From now on, a fair share of CPU (``share``), once."""
        if self.yielding:
            self.yielding = False
            share(self.process.pid, yielding=False, wait=wait)

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
        self._fair()
        self._say("now")

    def close(self, files: list[str] | None) -> None:
        """The command is over: log what is left (and ``files`` to the sweep's parent run,
        unless None: the command did not finish); wait up to ``WAIT`` seconds."""
        self._fair()
        atexit.unregister(self._fair)
        self._say("done", {"files": files})
        try:
            self.process.wait(timeout=WAIT)
            if not self.session.get("sweep_dir"):  # a single run's spool (a job may write late)
                shutil.rmtree(self.session["spool"], ignore_errors=True)
        except subprocess.TimeoutExpired:
            self.process.send_signal(DETACH)  # so a pipe reading lab1's stderr ends with lab1
            print(
                f"lab1: logger=mlflow is still logging after {WAIT:.0f} s (the machine or the store is busy);"
                f" process {self.process.pid} goes on alone, silently, and ends when every run is in the store",
                file=sys.stderr,
                flush=True,
            )
