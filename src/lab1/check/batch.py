"""A class: a directory of zips checked in parallel, one submission per core, with a progress bar.

Each submission is checked in a worker process, and each student's program runs in a child of
that worker, so one submission's crash, hang or garbage ends as its own row and never stops
the others. A worker that dies is replaced, and its submission checked again on its own.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from tqdm import tqdm

from lab1 import interrupt
from lab1.check import examine, program
from lab1.check.record import Record


def cores() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_one(archive: Path, entry: str | None, limits: program.Limits, out: Path) -> Record:
    """One zip; an error of lab1's own becomes a note on its row instead of ending the class."""
    try:
        return examine.check_zip(archive, entry, limits, out)
    except Exception as err:  # noqa: BLE001 - the row says what happened; the others go on
        return _failed(archive, f"lab1.check failed on it ({type(err).__name__}: {err})")


def _failed(archive: Path, note: str) -> Record:
    who = examine.submission.read_name(archive.name)
    return Record(source=str(archive), student_id=who.student_id, name=who.name, notes=[note])


class Interrupted(Exception):
    """Ctrl-C during a class: the records of the zips checked so far."""

    def __init__(self, records: list[Record]) -> None:
        super().__init__(f"interrupted after {len(records)} zips")
        self.records = records


def check_class(
    zips: list[Path], entry: str | None, limits: program.Limits, out: Path, jobs: int
) -> list[Record]:
    """Every zip, ``jobs`` at a time; a record for each, in no particular order.

    Ctrl-C reaches the workers too: each kills its student's program and stops; the zips not
    begun are cancelled, and ``Interrupted`` carries the records finished until then.
    """
    records: list[Record] = []
    broken: list[Path] = []
    pool = ProcessPoolExecutor(max_workers=max(1, min(jobs, len(zips))))
    try:
        futures: dict[Future[Record], Path] = {pool.submit(check_one, z, entry, limits, out): z for z in zips}
        with tqdm(total=len(zips), desc="lab1.check", unit="zip", disable=None) as bar:
            for future in interrupt.as_completed(futures):
                bar.update()
                try:
                    records.append(future.result())
                except BrokenProcessPool:
                    broken.append(futures[future])
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)
        raise Interrupted(records) from None
    pool.shutdown(wait=True)
    for archive in broken:  # each alone, so a submission that kills its worker takes only itself down
        with ProcessPoolExecutor(max_workers=1) as alone:
            try:
                records.append(alone.submit(check_one, archive, entry, limits, out).result())
            except BrokenProcessPool:
                records.append(_failed(archive, "lab1.check's worker process died while checking it"))
    return records
