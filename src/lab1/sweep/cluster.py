"""A sweep's populations as cluster jobs: plan the submitted jobs, and the dry run's text.

The vectorized launcher's chunks, split to at most ``chunk_seconds`` of estimated work and
packed into submitted jobs of about ``chunk_seconds`` per cpu (``lab1.sweep.submitted`` submits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lab1.sweep.cost import EPOCH_NS, chunk_cost, makespan, schedule
from lab1.sweep.plan import chunks, group_key, plan, spread
from lab1.sweep.settings import Cluster

JOB_START_NS = 3e9  # a submitted job's own start: python, numpy, lab1 and the pickled call (~3 s)


def split(chunk: list[Any], limit_ns: float) -> list[list[Any]]:
    """A chunk in the fewest even pieces each estimated within ``limit_ns`` (one run at least)."""
    cost = chunk_cost(chunk)
    if cost <= limit_ns or len(chunk) < 2:
        return [chunk]
    overhead = (int(chunk[0][1].epochs) + 1) * EPOCH_NS
    per_member = max((cost - overhead) / len(chunk), 1.0)
    size = max(1, int((limit_ns - overhead) // per_member))
    return chunks(chunk, size)


def pack(chunk_list: list[list[Any]], limit_ns: float, cpus: int) -> list[list[list[Any]]]:
    """Submitted jobs: consecutive chunks (split within ``limit_ns``) until a job holds about
    ``limit_ns`` of work for each of its ``cpus`` processes; each job's chunks spread over them."""
    jobs: list[list[tuple[list[Any], float]]] = []  # each piece with its cost, estimated once
    current: list[tuple[list[Any], float]] = []
    load = 0.0
    for chunk in chunk_list:
        for piece in split(chunk, limit_ns):
            cost = chunk_cost(piece)
            if current and load + cost > limit_ns * cpus:
                jobs.append(current)
                current, load = [], 0.0
            current.append((piece, cost))
            load += cost
    if current:
        jobs.append(current)
    # few chunks: split to keep every cpu busy; many: costliest first is balance enough
    return [
        spread([piece for piece, _ in job], cpus)
        if 1 < len(job) < 2 * cpus
        else [piece for piece, _ in sorted(job, key=lambda pc: pc[1], reverse=True)]
        for job in jobs
    ]


@dataclass
class JobPlan:
    """The submitted jobs of a sweep: the groups, the chunks and each job's estimate."""

    chunks: list[list[Any]]  # the launcher's chunks of (job, cfg) pairs, group by group
    jobs: list[list[list[Any]]]  # each submitted job's chunks of (job, cfg) pairs
    seconds: list[float]  # each job's estimated wall seconds

    def makespan(self, parallelism: int) -> float:
        """Estimated seconds of the whole array, ``parallelism`` jobs at once (no queue wait)."""
        return schedule(self.seconds, parallelism)


def plan_jobs(jobs: Sequence[tuple[Any, Any]], settings: Cluster) -> JobPlan:
    """Group, chunk and pack ``(job, cfg)`` pairs into submitted jobs."""
    chunk_list = plan(jobs, settings)
    packed = pack(chunk_list, settings.limit_ns(), settings.cpus_per_task)
    cpus = settings.cpus_per_task  # each job: its start, then its chunks on its processes
    seconds = [(JOB_START_NS + makespan(job, max(1, min(cpus, len(job))))) / 1e9 for job in packed]
    return JobPlan(chunk_list, packed, seconds)


def _seconds(s: float) -> str:
    """Seconds as a person reads them: 42 s, 12.5 min, 3.2 h."""
    if s < 120:
        return f"{s:.2f} s" if s < 10 else f"{s:.1f} s"
    return f"{s / 60:.1f} min" if s < 7200 else f"{s / 3600:.1f} h"


def describe(job_plan: JobPlan, settings: Cluster, name: Any = str, most: int = 20) -> list[str]:
    """The dry run's lines: groups, chunks, jobs with their estimates, and the makespan."""
    groups: dict[str, list[list[Any]]] = {}
    for chunk in job_plan.chunks:
        groups.setdefault(group_key(chunk[0][1]), []).append(chunk)
    runs = sum(len(c) for c in job_plan.chunks)
    lines = [f"lab1: dry run: {runs} runs to train in {len(groups)} groups; nothing is submitted"]
    for i, group in enumerate(list(groups.values())[:most]):
        ns = sum(chunk_cost(c) for c in group)
        lines.append(
            f"  group {i + 1}: {sum(len(c) for c in group)} runs in {len(group)} chunks "
            f"(est {_seconds(ns / 1e9)}), e.g. {name(group[0][0][0])}"
        )
    if len(groups) > most:
        lines.append(f"  ... {len(groups) - most} more groups")
    pieces = [c for job in job_plan.jobs for c in job]
    lines.append(f"chunks: {len(pieces)} (sized to chunk_seconds={settings.chunk_seconds:g})")
    for i, chunk in enumerate(pieces[:most]):
        lines.append(f"  chunk {i + 1}: {len(chunk)} runs, est {_seconds(chunk_cost(chunk) / 1e9)}")
    if len(pieces) > most:
        lines.append(f"  ... {len(pieces) - most} more chunks")
    lines.append(
        f"jobs to submit: {len(job_plan.jobs)} (cpus_per_task={settings.cpus_per_task}, "
        f"timeout_min={settings.timeout_min})"
    )
    for i, (job, s) in enumerate(zip(job_plan.jobs[:most], job_plan.seconds)):
        lines.append(f"  job {i + 1}: {len(job)} chunks, {sum(len(c) for c in job)} runs, est {_seconds(s)}")
    if len(job_plan.jobs) > most:
        lines.append(f"  ... {len(job_plan.jobs) - most} more jobs")
    over = sum(s > 60 * settings.timeout_min for s in job_plan.seconds)
    if over:
        lines.append(f"warning: {over} jobs are estimated past timeout_min={settings.timeout_min}")
    p = settings.array_parallelism
    lines.append(
        f"estimated makespan at array_parallelism={p}: {_seconds(job_plan.makespan(p))} "
        f"(one job at a time: {_seconds(sum(job_plan.seconds))}; queue waits not included)"
    )
    return lines
