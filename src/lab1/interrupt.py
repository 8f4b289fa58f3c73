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


class _State:
    """What the handlers record. Plain attributes: a handler may run inside another, or
    inside code of this module, so it takes no lock. Only the main thread changes
    ``deferring``, and a forked child starts afresh (``_afresh``)."""

    seen = False  # Ctrl-C arrived
    terminated = False  # SIGTERM arrived while ``held``
    deferring = 0  # how many ``deferred`` blocks the main thread has open


def _afresh() -> None:
    """In a forked child (a worker forked while the parent waited): none of the parent's
    blocks is open in it, nothing has arrived for it yet."""
    _State.seen, _State.terminated, _State.deferring = False, False, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_afresh)


def _main() -> bool:
    return threading.current_thread() is threading.main_thread()


def _handler(signum: int, frame: FrameType | None) -> None:
    """Record Ctrl-C, then raise it as Python's own handler does, unless ``deferred``."""
    _State.seen = True
    if not _State.deferring:
        raise KeyboardInterrupt


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM while ``held``: recorded; the block ends the process once it is over."""
    _State.terminated = True


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Code of the main thread that must not be cut halfway: Ctrl-C that arrives meanwhile
    is recorded, not raised, and ``check`` raises it after. Waiting on futures is such
    code: a KeyboardInterrupt inside ``concurrent.futures.wait`` can leave a future's lock
    held, and the pool's own thread then waits for it for ever. Elsewhere than in the main
    thread (where Python runs handlers) it changes nothing."""
    main = _main()
    _State.deferring += main
    try:
        yield
    finally:
        _State.deferring -= main


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Write a finished run's last files whole: Ctrl-C, or SIGTERM (how a launcher stops its
    worker processes), that arrives meanwhile takes effect at the end, even if the writing
    failed. Only where SIGTERM has its default (a handler someone else set is left alone),
    which it has again after the block."""
    guard = _main() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    if guard:
        _State.terminated = False
        signal.signal(signal.SIGTERM, _terminate)
    try:
        with deferred():
            yield
    finally:
        if guard:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            if _State.terminated:
                os.kill(os.getpid(), signal.SIGTERM)  # its default now: the process ends here
    check()


def install() -> None:
    """Record every Ctrl-C from now on; a SIGINT ignored by the parent (a background
    job) stays ignored. Only the main thread may install handlers: elsewhere, nothing."""
    if _main() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
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
    except (KeyboardInterrupt, Exception) as err:  # noqa: BLE001 - see below
        if not (isinstance(err, KeyboardInterrupt) or _State.seen):
            raise  # a real error; one a library raised because Ctrl-C cut it halfway is Ctrl-C
        print(message, file=sys.stderr)
        sys.exit(130)


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C arrived, even if the first one was swallowed."""
    if _State.seen:
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
