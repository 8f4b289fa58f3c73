"""Ctrl-C that cannot be lost.

Python turns SIGINT into a KeyboardInterrupt raised wherever the main thread happens to
be, and code there can lose it: one sweep in about a hundred, Ctrl-C arrived while
omegaconf's YAML writer was inside ``int(st)`` under ``except ValueError``, and the sweep
trained to the end as if nothing had happened. So lab1's processes record the signal
before raising, and check the record where stopping is safe (``check``): before a job
trains, after a sweep's snapshots, while waiting for worker processes or sweeps, and at
the end.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from types import FrameType

_seen = threading.Event()


def _handler(signum: int, frame: FrameType | None) -> None:
    """Record Ctrl-C, then raise it as Python's own handler does."""
    _seen.set()
    raise KeyboardInterrupt


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
    library swallowed, ends the command with ``message`` on stderr and exit 130."""
    install()
    try:
        yield
        check()
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
        done, _ = concurrent.futures.wait(
            remaining, timeout=poll, return_when=concurrent.futures.FIRST_COMPLETED
        )
        check()
        for future in [f for f in remaining if f in done]:
            remaining.remove(future)
            yield future
