"""Ctrl-C and ``kill`` (SIGTERM) stop a command at once, keeping every finished run.

Both are recorded, then raised as KeyboardInterrupt, so code in a worker pool's wait or a
library that swallows the exception cannot lose them: ``check`` raises a recorded one where
stopping is safe. Inside ``deferred`` (a finished run's ``metrics.json`` being written, the
wait on worker processes) they are only recorded, and ``check`` raises them after.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import signal
import sys
import threading
from collections.abc import Iterable, Iterator
from types import FrameType

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _State:
    """What the handler recorded: plain attributes, no lock (a handler may run inside this module)."""

    signum = 0  # the signal that arrived, 0 if none
    deferring = 0  # how many ``deferred`` blocks the main thread has open


def _handler(signum: int, frame: FrameType | None) -> None:
    """Record the signal; raise it as Ctrl-C unless ``deferred``."""
    _State.signum = signum
    if not _State.deferring:
        raise KeyboardInterrupt


def _main() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Code of the main thread that must not be cut halfway: a signal arriving meanwhile is
    recorded and raised by the ``check`` at the end. Elsewhere than in the main thread
    (where Python runs handlers) it changes nothing."""
    main = _main()
    _State.deferring += main
    try:
        yield
    finally:
        _State.deferring -= main
    check()


def install() -> None:
    """Handle Ctrl-C and SIGTERM from now on; one the parent ignored (a background job)
    stays ignored. Only the main thread may install handlers: elsewhere, nothing."""
    defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
    for signum in SIGNALS if _main() else ():
        if signal.getsignal(signum) is defaults[signum]:
            signal.signal(signum, _handler)


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C or SIGTERM arrived, even if the first was swallowed."""
    if _State.signum and not _State.deferring:
        raise KeyboardInterrupt


@contextlib.contextmanager
def ends_with(message: str) -> Iterator[None]:
    """Run a command's body with the signals handled; one that arrives, even one some library
    swallowed or turned into an error of its own (OmegaConf cut halfway through an update),
    ends the command with ``message`` on stderr and exit 128 + its number (130 for Ctrl-C)."""
    install()
    try:
        yield
        check()
    except (KeyboardInterrupt, Exception) as err:  # noqa: BLE001 - see above
        if not (isinstance(err, KeyboardInterrupt) or _State.signum):
            raise
        print(message, file=sys.stderr)
        sys.exit(128 + (_State.signum or signal.SIGINT))


def as_completed(
    futures: Iterable[concurrent.futures.Future], poll: float = 0.2
) -> Iterator[concurrent.futures.Future]:
    """Each future as it finishes (in submission order when several finish together). The wait
    is ``deferred``: a KeyboardInterrupt inside it can leave a future's lock held."""
    remaining = list(futures)
    while remaining:
        with deferred():
            done, _ = concurrent.futures.wait(
                remaining, timeout=poll, return_when=concurrent.futures.FIRST_COMPLETED
            )
        for future in [f for f in remaining if f in done]:
            remaining.remove(future)
            yield future
