"""Plan a sweep: group alike jobs into populations, chunk them, spread the chunks over workers."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, cast

from omegaconf import DictConfig, OmegaConf

from lab1.config import ConfigError, hidden_sizes
from lab1.nn.optimizers import hyperparameter_names
from lab1.sweep.cost import PARALLEL_NS, chunk_cost, makespan, member_bytes

SETTINGS: dict[str, tuple[Callable[[Any], bool], str]] = {  # lab1's launchers' settings: (check, allowed)
    "max_members": (lambda v: v >= 1, "an integer >= 1"),
    "chunk_bytes": (lambda v: v >= 1, "an integer >= 1 (bytes)"),
    "n_jobs": (lambda v: v == -1 or v >= 1, "-1 (one per core) or an integer >= 1"),
    "chunk_seconds": (lambda v: v > 0, "a number of seconds > 0"),
    "cpus_per_task": (lambda v: v >= 1, "an integer >= 1"),
    "timeout_min": (lambda v: v >= 1, "an integer >= 1 (minutes)"),
    "array_parallelism": (lambda v: v >= 1, "an integer >= 1"),
}


def check_settings(**values: Any) -> None:
    """Raise ConfigError for a launcher setting (``hydra.launcher.NAME``) outside what is allowed."""
    for name, value in values.items():
        check, allowed = SETTINGS[name]
        if not check(value):
            raise ConfigError(f"hydra.launcher.{name}", value, allowed)


def group_key(cfg: DictConfig) -> tuple:
    """What members of one population must share; seed, lr, optimizer scalars and init may differ."""
    _, flags = hyperparameter_names(cfg.optim.name)
    return (
        cfg.dataset.name,
        int(cfg.dataset.n),
        int(cfg.epochs),
        hidden_sizes(cfg),
        tuple(cast(dict[str, Any], OmegaConf.to_container(cfg.model)).items()),
        tuple(cast(dict[str, Any], OmegaConf.to_container(cfg.dataset)).items()),
        cfg.activation,
        float(cfg.leaky_slope),
        cfg.output_activation,
        cfg.loss,
        bool(cfg.bias),
        cfg.optim.name,
        tuple(bool(cfg.optim[f]) for f in flags),
        cfg.batch_size,
        cfg.early_stop,
        cfg.stop_accuracy,
        int(cfg.log_every) if cfg.log_every is not None else None,
    )


def chunks(members: list[Any], size: int) -> list[list[Any]]:
    """Split into the fewest chunks of at most ``size``, as even as possible."""
    count = max(1, -(-len(members) // max(1, size)))
    step, extra = divmod(len(members), count)
    out, start = [], 0
    for i in range(count):
        stop = start + step + (i < extra)
        out.append(members[start:stop])
        start = stop
    return [c for c in out if c]


def plan(jobs: Sequence[tuple[Any, DictConfig]], max_members: int, chunk_bytes: int) -> list[list[Any]]:
    """Groups of jobs that can share a population, chunked; in first-job order."""
    groups: dict[tuple, list[Any]] = {}
    keys: dict[int, tuple] = {}  # a config shared by several jobs is keyed once
    for job, cfg in jobs:
        key = keys[id(cfg)] if id(cfg) in keys else keys.setdefault(id(cfg), group_key(cfg))
        groups.setdefault(key, []).append((job, cfg))
    out: list[list[Any]] = []
    for members in groups.values():
        size = min(max_members, max(1, chunk_bytes // member_bytes(members[0][1])))
        out += chunks(members, size)
    return out


def spread(chunk_list: list[list[Any]], workers: int) -> list[list[Any]]:
    """Chunks for ``workers`` processes, costliest first (the pool hands them out in order).

    The costliest chunk is split in two as long as that shortens the estimated wall time
    (each chunk pays the per-epoch calls, so splitting is not free): one big group, or
    three equal chunks for two workers, no longer leave a worker idle at the end.
    """
    out = list(chunk_list)
    best = makespan(out, workers)
    while out:
        largest = max(range(len(out)), key=lambda i: chunk_cost(out[i]))
        if len(out[largest]) < 2:
            break
        trial = out[:largest] + chunks(out[largest], -(-len(out[largest]) // 2)) + out[largest + 1 :]
        time = makespan(trial, workers)
        if time >= best:
            break
        out, best = trial, time
    return sorted(out, key=chunk_cost, reverse=True)


def workers(n_jobs: int, chunk_list: list[list[Any]], min_ns: float = PARALLEL_NS) -> int:
    """Processes to use: ``n_jobs`` as asked, or for -1 one per core (at most one per job),
    but only one when the sweep's estimated work (``chunk_cost``) is under ``min_ns``."""
    if n_jobs > 0:
        return n_jobs
    if sum(chunk_cost(c) for c in chunk_list) < min_ns:
        return 1
    return min(os.cpu_count() or 1, sum(len(c) for c in chunk_list))
