"""The report's runner: its sweeps' processes, forked from one server and waited for by threads."""

from __future__ import annotations

import threading

from lab1.report.runner import Sweep, exit_code, start


def test_exit_codes_are_right_while_other_sweeps_start():
    """A forkserver child's exit code arrives on one pipe, and every start polls every child:
    four threads starting and waiting for processes at once once read 255 for a 0 (2 to 3 of
    40 here); the runner's ``start`` and ``exit_code`` read it one thread at a time."""
    codes: list[int] = []

    def one_thread() -> None:
        for _ in range(10):
            process = Sweep.context.Process(target=int)  # int() returns at once: exit code 0
            start(process)
            codes.append(exit_code(process, timeout=60))

    threads = [threading.Thread(target=one_thread) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [0] * 40
