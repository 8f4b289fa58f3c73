"""A sweep trained as populations: the vectorized launcher's body.

Jobs are composed and validated (``prepare``), grouped and chunked by ``plan``, trained
here or in worker processes, and every job's directory is written as a single run writes it.
"""

from __future__ import annotations

import contextlib
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from lab1.config import ConfigError, validate
from lab1.config.effects import check_effect
from lab1.job import console, reuse, run
from lab1.job.loggers import session
from lab1.sweep.compose import JobComposer, recall, task_config
from lab1.sweep.plan import plan, spread, workers
from lab1.sweep.pool import Pending, logs, train_chunks
from lab1.sweep.settings import Sizes


def prepare(
    job_overrides: Sequence[Sequence[str]],
    initial_idx: int,
    load: Callable[[list[str]], DictConfig],
    locate: Callable[[DictConfig, int], Path],
    snapshot: Callable[[DictConfig, DictConfig, Path], None],
    progress: bool | None = None,
) -> Prepared:
    """Compose and validate every job (refusing a bad value before anything is written),
    locate each, keep those resume or reuse finds finished; the rest are ``pending``."""
    composer = JobComposer(load)
    configs = [recall(o) or composer.compose(o) for o in job_overrides]
    cfgs = [task_config(c) for c in configs]
    for config, cfg in zip(configs, cfgs):  # refuse a bad value before anything is written or trained
        validate(cfg)
        check_effect(cfg, config.hydra.overrides.task)
    prepared = Prepared(configs, cfgs, console.JobBar(len(cfgs), progress))
    index = reuse.Index()
    for i, (config, cfg) in enumerate(zip(configs, cfgs)):
        out_dir = locate(config, initial_idx + i)
        found = run.earlier_run(cfg, out_dir, index)
        if found is None:
            prepared.pending.append(Pending(i, config, cfg, out_dir))
            continue
        snapshot(config, cfg, out_dir)  # Hydra rewrites a job's snapshot on every launch
        prepared.outcome[i] = run.objective_value(cfg, found[0])
        prepared.bar.line(out_dir, console.kept(found[1]))
    return prepared


@dataclass
class Prepared:
    """A batch composed, validated and located: what is kept, and what is still to train."""

    configs: list[DictConfig]  # full, with hydra
    cfgs: list[DictConfig]  # the task's parts
    bar: console.JobBar
    outcome: dict[int, float] = field(default_factory=dict)  # job index -> its objective (NaN: failed)
    pending: list[Pending] = field(default_factory=list)

    def record(self, p: Pending, status: str, value: Any) -> None:
        """A pending job trained (``value``: its metrics), or failed or left unfinished by its cluster
        job (``value``: the error text, or why)."""
        if status == "ok":
            self.outcome[p.idx] = run.objective_value(p.cfg, value)
            self.bar.line(p.out_dir, console.result_text(value, p.cfg))
            session.finished([p.out_dir], p.cfg, trained=True)
        else:  # a failed job is recorded (error.json, a row in results.csv); the sweep goes on
            self.outcome[p.idx] = math.nan
            self.bar.line(p.out_dir, f"{status}: {value}")

    def returns(self, finish: Callable[[DictConfig, DictConfig, float], Any]) -> list[Any]:
        """``finish(config, task_cfg, objective)`` per job, in order (NaN for one not done)."""
        self.bar.close()
        return [
            finish(c, cfg, self.outcome.get(i, math.nan))
            for i, (c, cfg) in enumerate(zip(self.configs, self.cfgs))
        ]


@contextlib.contextmanager
def refusing(root: Path) -> Iterator[None]:
    """A launcher's bad value: one line, exit 2, and no sweep directory left behind."""
    try:
        yield
    except ConfigError as err:
        print(f"lab1: error: {err}", file=sys.stderr)
        run.discard_refused_sweep(root)
        sys.exit(2)


def train(
    prepared: Prepared,
    snapshot: Callable[[DictConfig, DictConfig, Path], None],
    sizes: Sizes,
    n_jobs: int,
) -> None:
    """Plan the pending jobs into chunks and train them, here or in worker processes; each
    chunk's snapshots are written before it trains, or while the workers train."""
    chunk_list = plan([(p, p.cfg) for p in prepared.pending], sizes)
    n = workers(n_jobs, chunk_list)
    members = [[p for p, _ in chunk] for chunk in (spread(chunk_list, n) if n > 1 else chunk_list)]
    work = [([p.cfg for p in m], [p.out_dir for p in m], logs(m)) for m in members]

    def before(i: int) -> None:  # train_chunks calls it once any worker processes are forked
        session.prefetch()
        for p in members[i]:
            snapshot(p.config, p.cfg, p.out_dir)
        if n > 1 and i == len(members) - 1:
            _preload(bool(prepared.cfgs[0].plots.sweep))

    def record(i: int, results: list[tuple[str, Any]]) -> None:
        for p, (status, value) in zip(members[i], results):
            prepared.record(p, status, value)

    train_chunks(n, work, record, before)


def _preload(figures: bool) -> None:
    """Load what collecting needs (pandas; matplotlib if it draws) while the workers train
    (``benchmarks/bench_sweep.py --parts sweep``). A module that fails to load fails again,
    with its message, where collecting imports it, after every run is written."""
    with contextlib.suppress(Exception):
        import lab1.sweep.collect  # noqa: F401

        if figures:
            import lab1.sweep.figures  # noqa: F401
