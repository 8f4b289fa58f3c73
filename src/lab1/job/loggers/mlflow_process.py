"""The MLflow logging process: ``python -m lab1.job.loggers.mlflow_process PARENT_PID``.

One per command, started and told what to do by ``mlflow_handle``, which keeps it to CPU
the jobs leave idle while they train (``mlflow_handle.share``). It imports MLflow, waits for
its session, opens the store, then logs the payloads the jobs write into the spool's ``pending/`` (``mlflow_spool``): all
that are pending every ``LIVE`` seconds while the jobs train, so a long sweep shows up live,
and each as it comes once told ``now`` (the jobs have ended; the launching process collects
the sweep's results on one core). Told ``done``, it logs what is left and the sweep's files
to its parent run, removes the spool and exits. Should the launching process die, it logs
what is pending, marks the parent run KILLED if it opened one, and exits; the spool stays
for jobs a cluster may still be running. Should the store fail (it does not answer after a
run failed to log), the payloads stay for the next command on the sweep. One logging process at a time works on a spool (a
lock): a command run again at once on the same sweep waits for the last one's to finish.

Its cost, side by side: ``benchmarks/bench_loggers.py``. Imports only the standard library
and MLflow; POSIX only (``select`` on its stdin, ``fcntl`` locks).
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import select
import shutil
import signal
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from lab1.job.loggers import describe, warn
from lab1.job.loggers.mlflow_handle import DETACH, share

PENDING, LOCK = "pending", "lock"
LIVE = 30.0  # seconds: while jobs train, pending payloads are logged at least this often
POLL = 0.2  # seconds between checks that the launching process is alive


def write_json(path: Path, value: Any) -> None:
    """``value`` as JSON at ``path``, whole or not at all (a name not ending .json until renamed)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    for _ in range(3):  # a logging process that has just finished may remove the folder between
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(value))
            os.replace(tmp, path)
            return
        except FileNotFoundError:
            continue
    raise FileNotFoundError(f"cannot write {path}")


class Listener:
    """The launching process's words, one per line on stdin (``word [JSON]``), read straight
    from the file descriptor: a buffered reader could hold a line where ``select`` cannot see it."""

    def __init__(self, parent: int) -> None:
        self.parent, self.buffer = parent, b""
        self.stopping = False  # the launching process is gone, or this one was told to end (SIGTERM)

    def stop(self, *_: Any) -> None:
        """SIGTERM (a cluster cancelling the job, ``kill``): log what is pending, mark the
        sweep's run KILLED, end."""
        self.stopping = True

    def watch(self) -> None:
        """In a thread: notice the launching process go (Ctrl-C, a kill; its forked jobs may
        keep stdin open). Then, or once told to end, there are no jobs to yield to, whatever
        this process is doing (importing MLflow, opening the store): a fair share of CPU."""
        while os.getppid() == self.parent and not self.stopping:
            time.sleep(POLL)
        self.stopping = True
        share(os.getpid(), yielding=False, wait=True)

    def word(self, seconds: float = math.inf) -> tuple[str, Any] | None:
        """The next (word, value) within ``seconds``, ("gone", None) once stdin ends or the
        launching process is gone (after every word it wrote first), or None."""
        end = time.monotonic() + seconds
        while b"\n" not in self.buffer:
            left = end - time.monotonic()
            if select.select([0], [], [], max(0.0, min(POLL, left)))[0]:
                chunk = os.read(0, 1 << 16)
                if not chunk:
                    return "gone", None
                self.buffer += chunk
            elif self.stopping and not select.select([0], [], [], 0)[0]:
                return "gone", None  # (its forked jobs may hold stdin open; it wrote nothing more)
            elif left <= 0:
                return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        word, _, value = line.decode().partition(" ")
        return word, json.loads(value) if value else None


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
        """Log every pending payload, oldest first, and remove it. One run's failure is a
        warning; the store's is raised, and the payloads stay."""
        markers = sorted((spool / PENDING).glob("*.json"))
        if not markers:
            return
        (client, experiment), parent = self.open(), self.sweep_run()
        for marker in markers:
            where: str = marker.name
            try:
                payload = json.loads(marker.read_text())
                where = payload.get("run_dir", where)
                self.ml.log_job(client, experiment, payload, parent)
            except Exception as err:  # noqa: BLE001 - the rest are logged
                if not self.ml.answers(client, experiment):
                    raise  # the store's failure, not the run's: this payload and the rest stay
                warn("mlflow", where, err)
            marker.unlink(missing_ok=True)

    def close(self, files: list[str] | None) -> None:
        """The sweep's files to its parent run, FINISHED; with None (the command did not
        finish), KILLED if this process opened it."""
        if files is not None and self.session.get("sweep_dir"):
            parent = self.sweep_run()
            assert parent is not None
            self.ml.close_sweep_run(self.open()[0], parent, files, "FINISHED")
        elif self.run is not None:
            self.ml.close_sweep_run(self.open()[0], self.run, [], "KILLED")


def _tidy(spool: Path, ended: bool, single: bool) -> None:
    """A single run's spool goes; a sweep's, once its command has ended (jobs on a cluster
    may still write into it otherwise), unless a payload is left for the next command."""
    if single:
        shutil.rmtree(spool, ignore_errors=True)
        return
    if not ended:
        return
    pending = spool / PENDING
    if pending.is_dir():
        for leftover in pending.glob(".*.tmp"):  # written by a job that was killed
            leftover.unlink(missing_ok=True)
        try:
            pending.rmdir()
        except OSError:
            return  # a payload is left: the next command on this sweep logs it
    (spool / LOCK).unlink(missing_ok=True)
    try:
        spool.rmdir()
    except OSError:
        pass  # a job wrote into it meanwhile


def _let_go_of_stderr(*_: Any) -> None:
    """The command has left this process alone: whatever reads the command's stderr (a pipe,
    ``$(...)``) must not wait for it, so its warnings go nowhere from now on."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), 2)


def main(parent: int) -> int:
    """Import MLflow, take the session, log payloads until the command is over, close its run."""
    # Ctrl-C is meant for the sweep, whose finished runs are still logged; a warning to a
    # terminal set ``stty tostop`` is written, not stopped.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    signal.signal(DETACH, _let_go_of_stderr)
    listen = Listener(parent)
    signal.signal(signal.SIGTERM, listen.stop)
    threading.Thread(target=listen.watch, daemon=True).start()
    try:
        from lab1.job.loggers import mlflow_logger

        mlflow_logger.warm()  # MLflow's own import, the bulk of this process's work
    except ImportError:
        pass  # said when the store is opened below, if a session comes
    first = listen.word()
    if first is None or first[0] != "session":
        return 0  # the config did not choose MLflow after all
    session = first[1]
    spool, single = Path(session["spool"]), not session.get("sweep_dir")
    with _locked(spool):
        return _serve(Store(session), listen, spool, single)


def _locked(spool: Path) -> IO[str]:
    """The spool's lock, held: after the last command's logging process on this spool. That
    one removes the file when it is done, so the lock is taken again until the file held is
    the one in the spool (a third command would otherwise take a new file at once)."""
    while True:
        try:
            spool.mkdir(parents=True, exist_ok=True)
            lock = open(spool / LOCK, "a")
        except FileNotFoundError:
            continue  # the last one removed the spool between the two
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if os.stat(spool / LOCK).st_ino == os.fstat(lock.fileno()).st_ino:
                return lock
        except FileNotFoundError:
            pass
        lock.close()


def _serve(store: Store, listen: Listener, spool: Path, single: bool) -> int:
    """Open the store, log while the jobs run, then close the sweep's run; 1 if the store fails."""
    ended: tuple[str, Any] | None = None
    now, last = False, time.monotonic()
    try:
        store.open()  # a new store's tables are made now (about 1.4 s of CPU), on a core the jobs leave idle
        while ended is None:
            said = listen.word(POLL if now else max(0.0, last + LIVE - time.monotonic()))
            ended = said if said is not None and said[0] in ("done", "gone") else None
            now = now or (said is not None and said[0] == "now")
            if now or ended or time.monotonic() >= last + LIVE:
                store.drain(spool)
                last = time.monotonic()
        store.close(ended[1]["files"] if ended[0] == "done" and ended[1] else None)
    except Exception as err:  # noqa: BLE001 - the store cannot be used: the runs' files stand
        later = (
            "the run's files are written, but it is not logged"
            if single
            else f"the runs' files are written, and what was not logged waits in {spool} for the next command on this sweep"
        )
        print(
            f"lab1: warning: logger=mlflow could not use {store.session['tracking_uri']} ({describe(err)}); {later}",
            file=sys.stderr,
            flush=True,
        )
        _tidy(spool, False, single)
        return 1
    _tidy(spool, ended[0] == "done", single)
    return 0


if __name__ == "__main__":
    code = main(int(sys.argv[1]))
    sys.stderr.flush()
    os._exit(code)  # every write is committed; Python's teardown of MLflow takes about 0.75 s
