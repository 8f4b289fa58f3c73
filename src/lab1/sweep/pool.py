"""Worker processes: train chunks of a sweep in parallel and write their jobs' directories.

Workers are forked with Ctrl-C and SIGTERM blocked, then ignore Ctrl-C and end at SIGTERM;
the launching process stops them. A chunk that fails as a population is retried job by job, so a bad job fails alone.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from lab1 import interrupt
from lab1.job.population import MemberResult, train_configs


def logs(members: list[Pending]) -> list[Path]:
    """Each job's log file, ``<job name>.log`` in its directory as Hydra names it."""
    return [p.out_dir / f"{p.config.hydra.job.name}.log" for p in members]


@dataclass
class Pending:
    """A job still to train: where its results go."""

    idx: int
    config: DictConfig  # full, with hydra
    cfg: DictConfig  # the task's part
    out_dir: Path


# Ctrl-C, and the signals submitit's jobs checkpoint on (a worker must not checkpoint)
_IGNORED = {signal.SIGINT} | {getattr(signal, s) for s in ("SIGUSR1", "SIGUSR2") if hasattr(signal, s)}
_HELD = _IGNORED | {signal.SIGTERM}  # held back while workers are forked


def _worker_signals() -> None:
    """Workers leave Ctrl-C (and submitit's checkpoint signals) to the process that started
    them, and end at SIGTERM, which is how it stops them. They start with these blocked
    (``_forking``), so none arrives before it is set."""
    for sig in _IGNORED:
        signal.signal(sig, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)


@contextlib.contextmanager
def _forking() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM back while worker processes are forked (blocked, so the
    workers start with them blocked; deferred, so the pool is not cut halfway)."""
    blocks = hasattr(signal, "pthread_sigmask")
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD) if blocks else set()
    try:
        with interrupt.deferred():
            yield
    finally:
        if blocks:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _train_with_fallback(cfgs: list[DictConfig]) -> list[MemberResult | BaseException]:
    """Train a chunk (validated by ``execute.prepare``) as one population; if that fails, each
    job alone, so one bad job fails alone."""
    try:
        return list(train_configs(cfgs))
    except Exception:  # noqa: BLE001 - retried one by one below, where the error is kept
        if len(cfgs) == 1:
            raise
    out: list[MemberResult | BaseException] = []
    for cfg in cfgs:
        try:
            out += train_configs([cfg])
        except Exception as err:  # noqa: BLE001 - recorded as that job's failure
            out.append(err)
    return out


def train_and_save(cfgs: list[DictConfig], out_dirs: list[Path], logs: list[Path]) -> list[tuple[str, Any]]:
    """Train a chunk and write each job's directory (listing to its log) as a single run does:
    per job ``("ok", metrics record)`` or ``("failed", error text)``."""
    from lab1.job import run
    from lab1.job.console import JobLog

    out: list[tuple[str, Any]] = []
    for cfg, out_dir, log, result in zip(cfgs, out_dirs, logs, _train_with_fallback(cfgs)):
        if not isinstance(result, BaseException):
            try:
                out.append(("ok", run.save(out_dir, cfg, result, JobLog(log, echo=False))))
                continue
            except Exception as err:  # noqa: BLE001 - recorded as this job's failure
                result = err
        out.append(("failed", run.record_failure(out_dir, result)))
    return out


def plain(cfg: DictConfig) -> Any:
    """A job's config as plain values, resolved here, as a worker process or a cluster job is
    sent it; ``OmegaConf.create`` of them is the same config again, resolved or not: a literal
    ``${`` (an escaped one, resolved) is escaped again, so it stays text."""
    return _escaped(OmegaConf.to_container(cfg, resolve=True))


def _escaped(value: Any) -> Any:
    """``value`` with every ``${`` in its strings written ``\\${``."""
    if isinstance(value, str):
        return value.replace("${", "\\${")
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value


def _train_sent(cfgs: list[Any], out_dirs: list[Path], logs: list[Path]) -> list[tuple[str, Any]]:
    """``train_and_save`` in a worker, from the ``plain`` values it was sent: each worker builds
    its own configs, in parallel, instead of the launching process (bench_sweep.py --parts sweep)."""
    return train_and_save([OmegaConf.create(c) for c in cfgs], out_dirs, logs)


Work = tuple[list[DictConfig], list[Path], list[Path]]  # a chunk's configs, directories, logs
Record = Callable[[int, list[tuple[str, Any]]], None]  # chunk i's results, as it finishes


def train_chunks(
    n: int, work: list[Work], record: Record, before: Callable[[int], None] = lambda i: None
) -> None:
    """Train each chunk of ``work`` (``train_and_save``'s arguments) and ``record(i, results)``
    as chunk i finishes: here one by one, each after ``before(i)``, or (``n`` > 1, configs
    sent resolved) in ``n`` worker processes, ``before(i)`` for every chunk once they are handed out.
    Ctrl-C, or an exit (a submitit job requeued), stops the workers at once."""
    if n <= 1:
        for i, args in enumerate(work):
            before(i)
            interrupt.check()
            record(i, train_and_save(*args))
        return
    if any(c.plots.per_job or c.plots.animation for cfgs, _, _ in work for c in cfgs):
        from lab1.job import animation, plots  # noqa: F401 - loaded once here, inherited by every forked worker
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    pool = concurrent.futures.ProcessPoolExecutor(n, mp_context=context, initializer=_worker_signals)
    try:
        futures = {}
        with _forking():  # the pool forks its workers in submit
            for i, (cfgs, out_dirs, job_logs) in enumerate(work):
                for out_dir in out_dirs:
                    out_dir.mkdir(parents=True, exist_ok=True)
                sent = [plain(c) for c in cfgs]
                futures[pool.submit(_train_sent, sent, out_dirs, job_logs)] = i
        for i in range(len(work)):
            before(i)
        for future in interrupt.as_completed(futures):
            record(futures[future], future.result())
    except BaseException:  # Ctrl-C, SIGTERM, or SystemExit from submitit's requeue: stop the workers now
        for child in multiprocessing.active_children():
            child.terminate()
        raise
    finally:
        # wait for the pool's manager thread even after Ctrl-C (the workers are gone, so it
        # ends at once): left running, Python 3.11's exit hook can race it and print an
        # OSError traceback after lab1's one line
        pool.shutdown(wait=True, cancel_futures=True)
