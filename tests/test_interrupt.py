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


HELD = """
import os, signal, sys
from pathlib import Path
from lab1 import interrupt
interrupt.install()
try:
    with interrupt.held():  # as run.save writes a finished run's last files
        os.kill(os.getpid(), getattr(signal, sys.argv[1]))  # as a terminal or a launcher does
        Path("metrics.json").write_text("{}")
        Path("payload.json").write_text("{}")
    print("went on")
except KeyboardInterrupt:
    print("interrupted after")
"""


@pytest.mark.parametrize("sig, code, out", [("SIGINT", 0, "interrupted after"), ("SIGTERM", -15, "")])
def test_ctrl_c_or_sigterm_while_a_run_is_finished_takes_effect_once_its_last_files_are_written(
    tmp_path, sig, code, out
):
    """A run resume keeps (its metrics.json) always has its trackers' payload: Ctrl-C in the
    launching process, or the SIGTERM that stops a worker process, waits for both."""
    proc = _python(HELD, sig, cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert proc.stdout.strip() == out and "Traceback" not in proc.stderr
    assert (tmp_path / "metrics.json").exists() and (tmp_path / "payload.json").exists()


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


FORKED_WHILE_WAITING = """
import os, signal, sys
from lab1 import interrupt
interrupt.install()
ready_r, ready_w = os.pipe()
idle_r, idle_w = os.pipe()  # nothing is ever written to it
with interrupt.deferred():  # as the pool forks its workers while the launching process waits
    pid = os.fork()
    if pid == 0:  # a worker never leaves its parent's block: it ends with os._exit
        with interrupt.held():  # the worker saved a run
            pass
        os.write(ready_w, b"1")
        os.read(idle_r, 1)  # idle, as a worker waits for its next chunk: only a signal ends this
        os._exit(0)
os.read(ready_r, 1)
os.kill(pid, signal.SIGTERM)  # the launcher stops its worker, twice (terminate, then the pool)
os.kill(pid, signal.SIGTERM)
print(os.waitpid(pid, 0)[1] == signal.SIGTERM)
"""


def test_a_worker_forked_while_its_parent_waited_still_ends_at_sigterm(tmp_path):
    """A forked child starts afresh: no block of its parent's is open in it, and after a
    held block SIGTERM has its default again, so the launcher's SIGTERM ends an idle worker
    at once (a worker forked inside ``deferred`` once ignored it and the sweep hung)."""
    proc = _python(FORKED_WHILE_WAITING, cwd=tmp_path, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True"]


SIGTERM_INSIDE_SIGTERM = """
import inspect, os, signal, sys, threading
from lab1 import interrupt
lines, first = inspect.getsourcelines(threading.Event.set)
LOCKED = first + next(i for i, line in enumerate(lines) if "self._flag = True" in line)
sent = []

def second_sigterm(frame, event, arg):  # the pool sends two SIGTERMs, nearly at once
    if sent or frame.f_code not in (threading.Event.set.__code__, interrupt._terminate.__code__):
        return None

    def inside(frame, event, arg):  # in a lock the first handler took, or as it ends
        locked = frame.f_code is threading.Event.set.__code__ and frame.f_lineno == LOCKED
        if not sent and (locked or (frame.f_code is interrupt._terminate.__code__ and event == "return")):
            sent.append(1)
            os.kill(os.getpid(), signal.SIGTERM)
        return inside

    return inside

with interrupt.held():
    sys.settrace(second_sigterm)
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(10):
        pass
    sys.settrace(None)
    print("written", len(sent), flush=True)
print("went on")
"""


def test_two_sigterms_at_once_while_held_end_the_process_after_the_block(tmp_path):
    """The handler takes no lock: a second SIGTERM handled inside the first (the pool sends
    two) records again instead of waiting for ever on the first's lock."""
    proc = _python(SIGTERM_INSIDE_SIGTERM, cwd=tmp_path, timeout=60)
    assert proc.returncode == -signal.SIGTERM, proc.stderr
    assert proc.stdout.split() == ["written", "1"]


SIGTERM_AFTER_HELD = """
import os, signal
from lab1 import interrupt
interrupt.install()
with interrupt.held():  # the launching process saved a run itself
    pass
print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, flush=True)
with interrupt.deferred():  # then waits for its workers
    os.kill(os.getpid(), signal.SIGTERM)  # kill PID
    print("went on")
"""


def test_sigterm_after_a_held_block_ends_the_process_as_before(tmp_path):
    """SIGTERM is deferred only while a run's last files are written; ``kill PID`` of a
    sweep that saved a run in its own process still ends it, also while it waits."""
    proc = _python(SIGTERM_AFTER_HELD, cwd=tmp_path, timeout=60)
    assert proc.returncode == -signal.SIGTERM, proc.stderr
    assert proc.stdout.split() == ["True"]
