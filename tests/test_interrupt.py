"""Ctrl-C and SIGTERM: recorded before raised, deferred where code must not be cut halfway."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest


def _python(code: str, *args: str, cwd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, **kw)


SWALLOWED_CTRL_C = """
import signal
from lab1 import interrupt
interrupt.install()
interrupt.check()  # nothing has arrived: no exception
try:
    signal.raise_signal(signal.SIGINT)
except KeyboardInterrupt:
    pass  # swallowed, as a library's except clause once did
try:
    interrupt.check()
    print("nothing recorded")
except KeyboardInterrupt:
    print("raised again")
"""


def test_a_swallowed_ctrl_c_is_raised_again(tmp_path):
    """Ctrl-C is recorded before it is raised, so code that swallows the KeyboardInterrupt
    cannot hide it from the checks lab1 makes before training and while waiting."""
    proc = _python(SWALLOWED_CTRL_C, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["raised", "again"]


def test_an_ignored_ctrl_c_stays_ignored(tmp_path):
    """A background job started with SIGINT ignored keeps ignoring it: nothing is recorded."""
    swallowed_or_not = SWALLOWED_CTRL_C.replace("except KeyboardInterrupt:\n    pass", "finally:\n    pass")
    proc = _python(
        swallowed_or_not, cwd=tmp_path, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["nothing", "recorded"]


DEFERRED = """
import os, signal, sys
from pathlib import Path
from lab1 import interrupt
interrupt.install()
try:
    with interrupt.deferred():  # as run.save writes a finished run's metrics.json
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))  # a terminal's Ctrl-C, or kill PID
        Path("metrics.json").write_text("{}")
    print("went on")
except KeyboardInterrupt:
    print("interrupted after")
"""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_ctrl_c_or_sigterm_inside_a_deferred_block_takes_effect_at_its_end(tmp_path, sig):
    """Ctrl-C and SIGTERM to the launching process are the same to lab1: recorded inside the
    block, raised as KeyboardInterrupt once it ends."""
    proc = _python(DEFERRED, sig, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "interrupted after" and (tmp_path / "metrics.json").exists()


CUT_HALFWAY = """
import signal, sys
from lab1 import interrupt
with interrupt.ends_with("stopped"):
    if sys.argv[1] == "ctrl-c":
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise AttributeError("half-updated")  # as OmegaConf's cleanup did, cut by Ctrl-C
    raise AttributeError("a real fault")
"""


def test_an_error_a_library_raised_because_ctrl_c_cut_it_halfway_ends_as_ctrl_c(tmp_path):
    """Ctrl-C inside OmegaConf's update once left it half-built, and its cleanup raised an
    AttributeError in place of the KeyboardInterrupt: still one line and exit 130. The
    same error with no Ctrl-C is a real one and is not hidden."""
    proc = _python(CUT_HALFWAY, "ctrl-c", cwd=tmp_path)
    assert proc.returncode == 130 and proc.stderr == "stopped\n", proc.stderr
    proc = _python(CUT_HALFWAY, "no ctrl-c", cwd=tmp_path)
    assert proc.returncode == 1 and "AttributeError: a real fault" in proc.stderr


WAITING = """
import concurrent.futures, os, signal, sys, threading, traceback
from lab1 import interrupt

def ctrl_c_once_the_main_thread_waits():
    main = threading.main_thread().ident
    while not any(
        f.name == "wait" and f.filename.endswith(os.path.join("concurrent", "futures", "_base.py"))
        for f in traceback.extract_stack(sys._current_frames()[main])
    ):
        pass
    os.kill(os.getpid(), signal.SIGINT)

interrupt.install()
pool = concurrent.futures.ThreadPoolExecutor(1)
futures = [pool.submit(ctrl_c_once_the_main_thread_waits)]
try:
    for _ in interrupt.as_completed(futures):
        pass
except KeyboardInterrupt as err:
    print(traceback.extract_tb(err.__traceback__)[-1].name)
pool.shutdown(wait=True)
print("shut down")
"""


def test_ctrl_c_while_waiting_for_futures_is_raised_by_the_check_not_inside_the_wait(tmp_path):
    """A KeyboardInterrupt inside ``concurrent.futures.wait`` can leave a future's lock held,
    and the pool's own thread, then its shutdown, wait for ever (a sweep hung after Ctrl-C
    once): Ctrl-C is recorded there and raised by ``check`` after the wait."""
    proc = _python(WAITING, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["check", "shut", "down"]


PRINTING = """
import signal, sys, traceback
from lab1 import interrupt
from lab1.job import console

class Terminal:
    def __init__(self, stream):
        self.stream, self.pressed = stream, False
    def write(self, text):
        if not self.pressed:  # Ctrl-C while tqdm holds its lock over the line
            self.pressed = True
            signal.raise_signal(signal.SIGINT)
        return self.stream.write(text)
    def __getattr__(self, name):
        return getattr(self.stream, name)

interrupt.install()
sys.stdout = Terminal(sys.stdout)
try:
    console.emit("lab1: job 1/2 a: done")
except KeyboardInterrupt as err:
    print(traceback.extract_tb(err.__traceback__)[-1].name)
interrupt._State.signum = 0
console.emit("lab1: job 2/2 b: done")  # tqdm's lock was released
"""


def test_ctrl_c_while_a_line_is_printed_is_raised_after_the_line(tmp_path):
    """Ctrl-C cutting tqdm's write between taking and releasing its lock made tqdm raise an
    error of its own, which Hydra printed as a traceback (exit 1): the launching process's
    lines are printed whole, and Ctrl-C is raised by the check after."""
    proc = _python(PRINTING, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["lab1: job 1/2 a: done", "check", "lab1: job 2/2 b: done"]
