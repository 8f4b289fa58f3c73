"""Where a process's CPU goes: its main thread's stack, sampled (``bench_sweep.py --parts report``).

Python imports this file at start-up when its folder is on ``PYTHONPATH`` and
``LAB1_BREAKDOWN`` names a folder: then every Python the report starts samples itself, and
each forked child (a sweep forked from the report's server, a launcher's worker) samples
afresh. At exit each process writes its CPU seconds, shared out over the parts its busy
samples fell in, to ``LAB1_BREAKDOWN/<pid>.json``. Nothing happens without that variable.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
import time
from types import FrameType
from typing import NoReturn

OUT = os.environ.get("LAB1_BREAKDOWN")
EVERY = 0.01  # seconds between samples (more often costs the sampled process noticeably)
# a stack is waiting when its innermost frame is in one of these (the process is not computing)
WAITING = (
    "threading.py",
    "selectors.py",
    "subprocess.py",
    "queues.py",
    "connection.py",
    "popen_f",
    "_base.py",
)
# the innermost frame that matches names the part; an import anywhere in the stack is start-up.
# A forked child's stack still holds its parent's frames from the fork (Hydra's, in a sweep's
# worker): they are not looked at (``_forked_at``), so its own unmatched work is "other".
PARTS = (
    ("PDF", ("typst",)),
    ("figures", ("matplotlib", "/PIL/", "/plots.py", "/animation.py", "/figures.py")),
    ("training", ("/lab1/nn/", "/job/population.py", "/lab1/data.py")),
    ("writing runs", ("/job/artifacts.py", "/job/run.py", "/job/reuse.py")),
    ("collect", ("/collect.py", "/sweep/results.py", "/summary.py", "/pandas/")),
    ("Hydra composition", ("/hydra/", "/omegaconf/", "/yaml/", "/antlr4/", "/compose.py", "/internals.py")),
)
_counts: dict[str, int] = {}
_forked_at: FrameType | None = None  # in a forked child: the frame that forked it, and its callers


def _part(frame: FrameType | None) -> str | None:
    """The part a stack is in, None if it waits."""
    files: list[str] = []
    while frame is not None and frame is not _forked_at:
        files.append(frame.f_code.co_filename)
        frame = frame.f_back
    if not files or files[0].endswith(WAITING):
        return None
    if any(f.startswith("<frozen importlib") for f in files):
        return "start-up (imports)"
    for name in files:
        for part, marks in PARTS:
            if any(mark in name for mark in marks):
                return part
    return "other"


def _sample(main: int | None) -> None:
    """Every ``EVERY`` seconds, count the part the main thread is in."""
    while True:
        time.sleep(EVERY)
        part = _part(sys._current_frames().get(main or 0))
        if part is not None:
            _counts[part] = _counts.get(part, 0) + 1


def _start() -> None:
    """Count afresh, in a daemon thread."""
    _counts.clear()
    threading.Thread(target=_sample, args=(threading.main_thread().ident,), daemon=True).start()


def _dump() -> None:
    """This process's CPU seconds, shared out over the parts in proportion to their samples."""
    busy = sum(_counts.values())
    cpu = time.process_time()
    shares = {part: cpu * n / busy for part, n in _counts.items()} if busy else {"other": cpu}
    with open(os.path.join(OUT or ".", f"{os.getpid()}.json"), "w") as f:
        json.dump({"argv": sys.argv, "cpu": cpu, "parts": shares}, f)


def _in_child() -> None:
    """A forked child: sample afresh, and write before ``os._exit`` (how forked children end)."""
    global _forked_at
    _forked_at = sys._getframe(1)  # the caller of os.fork
    _start()
    real_exit = os._exit

    def _exit(status: int) -> NoReturn:
        _dump()
        real_exit(status)

    os._exit = _exit


if OUT:
    _start()
    atexit.register(_dump)
    os.register_at_fork(after_in_child=_in_child)
