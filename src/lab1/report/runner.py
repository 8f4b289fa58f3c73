"""Run the report's sweeps, each as ``python -m lab1 +sweep=NAME`` in a process of its own, ``--jobs``
at a time, the costliest first; a sweep completed before with the same command is skipped.

Each sweep is forked from one server process that has imported lab1, Hydra and pandas once
(multiprocessing's forkserver), so no sweep pays the second of CPU a new Python spends on
those imports (``benchmarks/bench_sweep.py --parts report``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import runpy
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from hydra.core.override_parser.types import Quote, QuotedString

from lab1 import interrupt
from lab1.report.estimate import sweep_cost

# Other sweeps hold the baseline's runs: they start once it is done and copy them (``reuse=``).
NO_BASELINE_RUNS = frozenset({"baseline", "conv", "no_activation_lr"})
# what ``python -m lab1`` imports (not lab1.__main__ itself: runpy runs it)
PRELOAD = [
    "lab1.job.run",
    "lab1.sweep.callbacks",
    "lab1.sweep.execute",
    "lab1.sweep.collect",
    "lab1.job.plots",
]


_SAY = threading.Lock()  # one progress line at a time, whichever thread prints it


def say(line: str, stream: TextIO | None = None) -> None:
    """Print one progress line in a single locked, flushed write: lines never interleave."""
    out = sys.stdout if stream is None else stream
    with _SAY:
        out.write(line + "\n")
        out.flush()


def reuses_baseline(name: str, args: argparse.Namespace) -> bool:
    """Whether this sweep copies the baseline's runs (not with --fresh, which retrains all)."""
    return name not in NO_BASELINE_RUNS and not args.fresh


def order(
    names: list[str], base: Path, args: argparse.Namespace, stopping: Callable[[], bool]
) -> Iterator[str]:
    """Sweeps that wait for nothing, then the costliest first (estimated lazily, while the first run)."""
    yield from (name for name in names if name in NO_BASELINE_RUNS)
    rest = [name for name in names if name not in NO_BASELINE_RUNS]
    cost: dict[str, float] = {}
    for name in rest:
        if stopping():
            break
        cost[name] = 0.0 if complete(name, base / name, args) else sweep_cost(name, args.epochs, args.seeds)
    yield from sorted(rest, key=lambda name: -cost.get(name, 0.0))


def hydra_string(text: str) -> str:
    """``text`` as a quoted Hydra override value (a path with spaces, commas or quotes)."""
    return QuotedString(text, Quote.single).with_quotes()


def sweep_command(name: str, root: Path, args: argparse.Namespace) -> list[str]:
    """The ``python -m lab1`` command of one sweep."""
    cmd = [
        sys.executable,
        "-m",
        "lab1",
        f"+sweep={name}",
        f"hydra.sweep.dir={hydra_string(str(root))}",
        f"seed=range({args.seeds})",
        f"epochs={args.epochs}",
        "print_every=0",
        "progress=false",
        # the report draws every figure it shows from the runs' files (section 3's from runs
        # it trains again): a sweep draws none, and no animation
        "plots.sweep=false",
        "plots.per_job=false",
        "plots.animation=false",
    ]
    if reuses_baseline(name, args):
        cmd.append(f"reuse=[{hydra_string(str(root.parent / 'baseline'))}]")
    if args.launcher:
        cmd.append(f"launcher={args.launcher}")
    if args.fresh:
        cmd.append("resume=false")
    return cmd


def _last_line(path: Path) -> str:
    """The last non-empty line of a log (the sweep's own error message, if any)."""
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(empty log)"


def _sweep(args: list[str], log: str) -> None:
    """A forked sweep: its own session (Ctrl-C reaches it only from the runner), its output
    appended to ``log``, then ``python -m lab1 ARGS``; its exit code is the process's."""
    os.setsid()
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.argv = ["lab1", *args]
    runpy.run_module("lab1", run_name="__main__", alter_sys=True)


# A forkserver child's exit code arrives on one pipe, and every Process.start polls every child:
# read by two threads at once, a finished sweep's 0 became 255. One thread at a time reads it.
_CHILDREN = threading.Lock()


def start(process: multiprocessing.process.BaseProcess) -> None:
    """Start a process of the forkserver (see ``_CHILDREN``)."""
    with _CHILDREN:
        process.start()


def exit_code(process: multiprocessing.process.BaseProcess, timeout: float | None = None) -> int:
    """Its exit code (negative: the signal that ended it), once it has ended (see ``_CHILDREN``)."""
    if not multiprocessing.connection.wait([process.sentinel], timeout):
        raise subprocess.TimeoutExpired(process.name, timeout or 0.0)
    with _CHILDREN:
        process.join()
        assert process.exitcode is not None
        return process.exitcode


class Sweep:
    """A sweep's process, forked from the server that has lab1 imported: Popen's ``pid`` and ``wait``."""

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)

    def __init__(self, cmd: list[str], log_path: Path) -> None:
        self.process = self.context.Process(target=_sweep, args=(cmd[3:], str(log_path)), name=cmd[3])
        start(self.process)
        self.pid: int = self.process.pid or 0

    def wait(self, timeout: float | None = None) -> int:
        """Its exit code (negative: the signal that ended it), once it has ended."""
        return exit_code(self.process, timeout)


@dataclass
class Runner:
    """The sweeps a report call has started, so Ctrl-C can stop them all."""

    stop: threading.Event = field(default_factory=threading.Event)  # start no more sweeps
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: set[Sweep] = field(default_factory=set)
    ended: dict[str, threading.Event] = field(default_factory=dict)  # by sweep name

    def _ended(self, name: str) -> threading.Event:
        with self.lock:
            event = self.ended.setdefault(name, threading.Event())
            if self.stop.is_set():  # stopping: nobody waits, even for a sweep never started
                event.set()
            return event

    def end(self, name: str) -> None:
        """Mark a sweep as over (finished, failed or skipped)."""
        self._ended(name).set()

    def wait_for(self, name: str) -> None:
        """Block until that sweep is over or the runner is stopping."""
        self._ended(name).wait()

    def run(self, cmd: list[str], log_path: Path, announce: str) -> int | None:
        """Run a sweep in its own session, logging to ``log_path``; its exit code, None once stopping."""
        with self.lock:
            if self.stop.is_set():
                return None
            log_path.parent.mkdir(parents=True, exist_ok=True)
            proc = Sweep(cmd, log_path)
            self.running.add(proc)
        say(announce)
        code = proc.wait()
        with self.lock:
            self.running.discard(proc)
        return code

    def interrupt(self, grace: float = 15.0) -> None:
        """Start nothing more; pass Ctrl-C on to every running sweep, SIGTERM after ``grace`` seconds."""
        with self.lock:
            self.stop.set()
            procs = list(self.running)
            for event in self.ended.values():  # release sweeps waiting for another
                event.set()
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
        deadline = time.monotonic() + grace
        for proc in procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)


MARKER = ".complete"  # in a sweep's directory: the command that completed it


def complete(name: str, root: Path, args: argparse.Namespace) -> bool:
    """Whether the sweep completed before with this same command (never with --fresh)."""
    marker = root / MARKER
    key = " ".join(sweep_command(name, root, args)[2:])
    return not args.fresh and marker.exists() and marker.read_text() == key


def run_sweep(name: str, root: Path, args: argparse.Namespace, runner: Runner) -> tuple[bool, str | None]:
    """Run one sweep unless it completed before with the same command; returns (ran, error)."""
    cmd = sweep_command(name, root, args)
    if complete(name, root, args):
        say(f"lab1.report: {name}: complete, reused")
        return False, None
    log_path = root.parent / f"{name}.log"
    code = runner.run(cmd, log_path, f"lab1.report: {name}: running ({' '.join(cmd[2:4])} ...)")
    if code is None:  # an earlier sweep failed, or Ctrl-C: start nothing new
        return False, None
    if code != 0:
        runner.stop.set()
        return True, f"sweep {name} failed (exit {code}): {_last_line(log_path)}\n  full log: {log_path}"
    (root / MARKER).write_text(" ".join(cmd[2:]))
    return True, None


def run_sweeps(base: Path, names: list[str], args: argparse.Namespace) -> float:
    """Run the missing sweeps, ``args.jobs`` at a time; wall seconds (0: none ran), or exit with errors."""
    runner = Runner()

    def one(name: str) -> tuple[bool, str | None]:
        try:
            if reuses_baseline(name, args):
                runner.wait_for("baseline")
            return run_sweep(name, base / name, args, runner)
        finally:
            runner.end(name)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        try:
            futures = [pool.submit(one, name) for name in order(names, base, args, runner.stop.is_set)]
            for _ in interrupt.as_completed(futures):
                pass
        except KeyboardInterrupt:
            runner.interrupt()
            raise
    done = [f.result() for f in futures]
    errors = [error for _, error in done if error]
    if errors:
        sys.exit("\n".join(f"lab1.report: error: {e}" for e in errors))
    return time.perf_counter() - start if any(ran for ran, _ in done) else 0.0
