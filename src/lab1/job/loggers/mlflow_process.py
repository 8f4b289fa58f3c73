"""The MLflow logging process: ``python -m lab1.job.loggers.mlflow_process [SPOOL]``.

One per command, at the lowest CPU priority (``SCHED_IDLE``: only CPU the jobs leave idle).
``python -m lab1`` starts it first thing when its command line chooses MLflow
(``start_early``), so that MLflow's import (about 1.5 s of CPU) runs while Hydra starts and
composes on the other core; otherwise the launching process starts it before any job trains
(``Handle``). It opens the store at once, then logs the payloads the jobs write into the
spool's ``pending/`` (``mlflow_spool``): all that are pending every ``LIVE`` seconds while
the jobs train, so a long sweep shows up live, and the rest as they come once the launching
process says the jobs have ended (``log_now``), while it collects the sweep's results on one
core. Told the command is done (``close``: ``done.json``, then a line), it logs the sweep's
files to its parent run, removes the spool and exits; the command waits for it. Should the
launching process die, it logs what is pending, marks the parent run KILLED and exits.

Its cost, side by side: ``benchmarks/bench_loggers.py``. Imports only the standard library
and MLflow; POSIX only (it waits on its stdin with ``select``).
"""

from __future__ import annotations

import json
import math
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from lab1.job.loggers import warn

SESSION, DONE, PENDING = "session.json", "done.json", "pending"
LIVE = 30.0  # seconds: while jobs train, pending payloads are logged at least this often
POLL = 0.2  # seconds between checks that the launching process is alive


def write_json(path: Path, value: Any) -> None:
    """``value`` as JSON at ``path``, whole or not at all (a name not ending .json until renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value))
    os.replace(tmp, path)


_EARLY: list[subprocess.Popen[bytes]] = []  # started before Hydra composed the config, not yet handed a spool


def _spawn(args: list[str]) -> subprocess.Popen[bytes]:
    # its own session: a Ctrl-C meant for the sweep does not cut its logging short
    command = [sys.executable, "-m", __name__, *args]
    return subprocess.Popen(command, stdin=subprocess.PIPE, start_new_session=True)


def start_early(args: list[str]) -> None:
    """Start the logging process at once when a command-line argument chooses MLflow
    (``logger=mlflow``, ``logger=[tensorboard,mlflow]``), so that MLflow's import runs beside
    Hydra's start; ``Handle`` then hands it its spool. Should the config not use it after
    all, it waits, idle, until this process ends."""
    for arg in args:
        key, _, value = arg.lstrip("+~").partition("=")
        if key == "logger" and "mlflow" in value and not _EARLY:
            _EARLY.append(_spawn([]))


class Handle:
    """The launching process's hold on its logging process."""

    def __init__(self, spool: Path, session: dict[str, Any]) -> None:
        """Write ``session.json`` (store, experiment, sweep); start the process, or hand the
        one started early its spool."""
        write_json(spool / SESSION, session)
        (spool / PENDING).mkdir(exist_ok=True)
        self.spool = spool
        if _EARLY:
            self.process = _EARLY.pop()
            self._say(f"spool {spool}")
        else:
            self.process = _spawn([str(spool)])

    def _say(self, word: str) -> None:
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(word.encode() + b"\n")
            self.process.stdin.flush()
        except OSError:
            pass  # it has exited already

    def log_now(self) -> None:
        """The jobs have ended: log every payload as it comes, from now on."""
        self._say("now")

    def close(self, files: list[str]) -> int:
        """The command is done: log what is left and ``files`` to the sweep's run; wait."""
        write_json(self.spool / DONE, {"files": files})
        return self.end()

    def end(self) -> int:
        """The command is over: log what is pending (nothing for the sweep's run); wait."""
        self._say("done")
        return self.process.wait()


class Listener:
    """The launching process's words, one per line on stdin, read straight from the file
    descriptor (a buffered reader could hold a second line where ``select`` cannot see it)."""

    def __init__(self) -> None:
        self.parent, self.buffer = os.getppid(), b""

    def word(self, seconds: float = math.inf) -> str | None:
        """The next word within ``seconds``: ``spool PATH``, ``now``, ``done`` (also when
        stdin ends or the launching process is gone), or None."""
        end = time.monotonic() + seconds
        while b"\n" not in self.buffer:
            if os.getppid() != self.parent:
                return "done"
            left = end - time.monotonic()
            if select.select([0], [], [], max(0.0, min(POLL, left)))[0]:
                chunk = os.read(0, 4096)
                if not chunk:
                    return "done"
                self.buffer += chunk
            elif left <= 0:
                return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode().strip() or "done"


def _tidy(spool: Path) -> None:
    """Remove the spool's files and directories, keeping any payload still pending."""
    for name in (DONE, SESSION):
        (spool / name).unlink(missing_ok=True)
    for folder in (spool / PENDING, spool):
        try:
            folder.rmdir()
        except OSError:
            return  # a payload is left: the next command on this sweep directory logs it


class Store:
    """The MLflow store and the sweep's parent run in it (found or made when first needed)."""

    def __init__(self, session: dict[str, Any]) -> None:
        from lab1.job.loggers import mlflow_logger

        self.ml, self.session = mlflow_logger, session
        self.opened: tuple[Any, str] | None = None
        self.run: str | None = None

    def open(self) -> tuple[Any, str]:
        """(client, experiment id)."""
        if self.opened is None:
            s = self.session
            self.opened = self.ml.open_store(s["tracking_uri"], s["experiment"], s["location"])
        return self.opened

    def sweep_run(self) -> str | None:
        """The sweep's parent run, found or made when first needed; None for a single run."""
        if self.session.get("sweep_dir") and self.run is None:
            self.run = self.ml.sweep_run(*self.open(), self.session["sweep_dir"])
        return self.run

    def drain(self, spool: Path) -> None:
        """Log every pending payload, oldest first, and remove it; one run's failure is a
        warning, the store's is raised."""
        for marker in sorted((spool / PENDING).glob("*.json")):
            payload = json.loads(marker.read_text())
            store = self.open()
            try:
                self.ml.log_job(*store, payload, self.sweep_run())
            except Exception as err:  # noqa: BLE001 - the rest are logged
                warn("mlflow", payload.get("run_dir", marker.name), err)
            marker.unlink()

    def close(self, done: Path) -> None:
        """The sweep's files to its parent run, FINISHED; KILLED if the command did not finish."""
        if done.is_file() and self.session.get("sweep_dir"):
            files = json.loads(done.read_text())["files"]
            self.ml.close_sweep_run(self.open()[0], str(self.sweep_run()), files, "FINISHED")
        elif self.run is not None:
            self.ml.close_sweep_run(self.open()[0], self.run, [], "KILLED")


def _lowest_priority() -> None:
    """Take only CPU the jobs leave idle: ``SCHED_IDLE`` on Linux, else the highest niceness."""
    if hasattr(os, "sched_setscheduler") and hasattr(os, "SCHED_IDLE"):
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    else:
        os.nice(19)


def main(spool: Path | None) -> int:
    """Import MLflow; wait for a spool if started early; log payloads until told the command
    is done, then close the sweep's run."""
    from lab1.job.loggers import mlflow_logger

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _lowest_priority()
    listen = Listener()
    try:
        mlflow_logger.warm()  # MLflow's own import, the bulk of this process's work
    except ImportError:
        if spool is None:
            return 0  # started early: the launching process names the missing extra itself
    if spool is None:
        handed = listen.word() or ""
        if not handed.startswith("spool "):
            return 0  # the config did not choose MLflow after all
        spool = Path(handed.removeprefix("spool "))
    store = Store(json.loads((spool / SESSION).read_text()))
    word: str | None = None
    now, last = False, time.monotonic()
    try:
        store.open()  # a new store's tables are made now, while the jobs start (about 1.4 s of CPU)
        while word != "done":
            word = listen.word(POLL if now else max(0.0, last + LIVE - time.monotonic()))
            now = now or word == "now"
            if now or word is not None or time.monotonic() >= last + LIVE:
                store.drain(spool)
                last = time.monotonic()
        store.close(spool / DONE)
    except Exception as err:  # noqa: BLE001 - the store cannot be used: the runs' files stand
        why = f"{type(err).__name__}: {(str(err).strip() or '?').splitlines()[0]}"
        print(
            f"lab1: warning: logger=mlflow could not use {store.session['tracking_uri']} ({why});"
            " the runs' files are written, and what was not logged waits in " + str(spool),
            file=sys.stderr,
            flush=True,
        )
        _tidy(spool)
        return 1
    _tidy(spool)
    return 0


if __name__ == "__main__":
    code = main(Path(sys.argv[1]) if sys.argv[1:] else None)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # every write is committed; Python's teardown of MLflow takes about 0.75 s
