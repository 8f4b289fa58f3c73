"""Plan a sweep: group alike jobs into populations, chunk them, spread the chunks over workers."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig

from lab1.config import settings
from lab1.job.population import even_ranges
from lab1.nn.optimizers import hyperparameter_names
from lab1.sweep.cost import PARALLEL_NS, chunk_cost, makespan, member_bytes
from lab1.sweep.settings import Sizes

# What the members of one population may each have of their own: the rest of a config's
# settings (config.settings, every value that affects the numbers) they must share.
MEMBER_KEYS = ("seed", "lr", "init")  # and the optimizer's scalars (optim.*, not its flags)


def group_key(cfg: DictConfig) -> str:
    """What members of one population must share: every setting but ``MEMBER_KEYS`` and the
    optimizer's scalars (``lab1.nn.optimizers.hyperparameter_names``)."""
    shared = settings(cfg)
    for key in MEMBER_KEYS:
        shared.pop(key, None)
    scalars, _ = hyperparameter_names(cfg.optim.name)
    shared["optim"] = {k: v for k, v in shared["optim"].items() if k not in scalars}
    return json.dumps(shared, sort_keys=True, default=str)


def chunks(members: list[Any], size: int) -> list[list[Any]]:
    """Split into the fewest chunks of at most ``size``, as even as possible."""
    count = max(1, -(-len(members) // max(1, size)))
    return [members[r.start : r.stop] for r in even_ranges(len(members), count) if r]


def plan(jobs: Sequence[tuple[Any, DictConfig]], sizes: Sizes) -> list[list[Any]]:
    """Groups of jobs that can share a population, chunked; in first-job order."""
    groups: dict[str, list[Any]] = {}
    keys: dict[int, str] = {}  # a config shared by several jobs is keyed once
    for job, cfg in jobs:
        key = keys[id(cfg)] if id(cfg) in keys else keys.setdefault(id(cfg), group_key(cfg))
        groups.setdefault(key, []).append((job, cfg))
    out: list[list[Any]] = []
    for members in groups.values():
        size = min(sizes.max_members, max(1, sizes.chunk_bytes // member_bytes(members[0][1])))
        out += chunks(members, size)
    return out


def spread(chunk_list: list[list[Any]], workers: int) -> list[list[Any]]:
    """Chunks for ``workers`` processes, costliest first; the costliest is split in two while
    that shortens the estimated wall time (a chunk's per-epoch calls make splitting cost)."""
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
