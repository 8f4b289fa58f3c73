"""Ctrl-C that cannot be lost.

Python turns SIGINT into a KeyboardInterrupt raised wherever the main thread happens to
be, and code there can lose it: one sweep in about a hundred, Ctrl-C arrived while
omegaconf's YAML writer was inside ``int(st)`` under ``except ValueError``, and the sweep
trained to the end as if nothing had happened. So lab1's processes record the signal
before raising, and check the record where stopping is safe (``check``): before a job
trains, after a sweep's snapshots, while waiting for worker processes or sweeps, and at
the end.

A finished run's last files (``metrics.json``, then what its trackers are handed) are
written whole (``held``): Ctrl-C, or the SIGTERM that stops a worker process, takes effect
once they are, so a run resume keeps is never one its trackers missed.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from types import FrameType

_seen = threading.Event()
_terminated = threading.Event()  # SIGTERM arrived while a run's last files were written
_deferring = 0  # how many ``deferred`` blocks are open (Python runs handlers in the main thread)
_depth = threading.Lock()


def _handler(signum: int, frame: FrameType | None) -> None:
    """Record Ctrl-C, then raise it as Python's own handler does, unless ``deferred``."""
    _seen.set()
    if not _deferring:
        raise KeyboardInterrupt


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM's default, ending the process, unless ``deferred`` (then once ``held`` ends)."""
    _terminated.set()
    if not _deferring:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Code that must not be cut halfway: Ctrl-C that arrives meanwhile is recorded, not
    raised, and ``check`` raises it after. Waiting on futures is such code: a
    KeyboardInterrupt inside ``concurrent.futures.wait`` can leave a future's lock held, and
    the pool's own thread then waits for it for ever."""
    global _deferring
    with _depth:
        _deferring += 1
    try:
        yield
    finally:
        with _depth:
            _deferring -= 1


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Write a finished run's last files whole: Ctrl-C, or SIGTERM (how a launcher stops its
    worker processes), that arrives meanwhile takes effect at the end. SIGTERM keeps its
    default, ending the process, at any other time; a handler someone else set is left alone."""
    main = threading.current_thread() is threading.main_thread()
    if main and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _terminate)
    with deferred():
        yield
    if _terminated.is_set():
        _terminate(signal.SIGTERM, None)
    check()


def install() -> None:
    """Record every Ctrl-C from now on; a SIGINT ignored by the parent (a background
    job) stays ignored. Only the main thread may install handlers: elsewhere, nothing."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _handler)


@contextlib.contextmanager
def ends_with(message: str) -> Iterator[None]:
    """Run a command's body with Ctrl-C recorded; Ctrl-C at any point, even one that some
    library swallowed, or turned into an error of its own (OmegaConf, cut halfway through
    an update), ends the command with ``message`` on stderr and exit 130."""
    install()
    try:
        yield
        check()
    except Exception:  # noqa: BLE001 - what a library raised, cut halfway by Ctrl-C, is Ctrl-C
        if not _seen.is_set():
            raise
        print(message, file=sys.stderr)
        sys.exit(130)
    except KeyboardInterrupt:
        print(message, file=sys.stderr)
        sys.exit(130)


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C arrived, even if the first one was swallowed."""
    if _seen.is_set():
        raise KeyboardInterrupt


def as_completed(
    futures: Iterable[concurrent.futures.Future], poll: float = 0.2
) -> Iterator[concurrent.futures.Future]:
    """Each future as it finishes (in submission order when several finish together),
    checking every ``poll`` seconds of waiting for a Ctrl-C that was swallowed."""
    remaining = list(futures)
    while remaining:
        with deferred():
            done, _ = concurrent.futures.wait(
                remaining, timeout=poll, return_when=concurrent.futures.FIRST_COMPLETED
            )
        check()
        for future in [f for f in remaining if f in done]:
            remaining.remove(future)
            yield future
