"""Submit a sweep's planned jobs through submitit, train them there, and wait for them.

A submitted job receives plain resolved configs and paths; the launching process follows
the runs by their files (``metrics.json`` finished, ``error.json`` failed).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

import submitit
from omegaconf import OmegaConf

from lab1 import interrupt
from lab1.job import artifacts, run
from lab1.sweep.cluster import JobPlan
from lab1.sweep.execute import Prepared
from lab1.sweep.pool import Pending, Work, logs, plain, train_chunks
from lab1.sweep.settings import Cluster

Chunk = tuple[list[dict[str, Any]], list[str], list[str]]  # plain configs, directories, log files


class ChunkJob(submitit.helpers.Checkpointable):
    """One submitted job: its chunks trained over ``cpus`` processes, each run's directory
    written as a single run writes it. Requeued on preemption or timeout (``checkpoint``,
    inherited, resubmits it); on a restart it skips the runs it already finished."""

    def __init__(self) -> None:
        self.done: set[str] = set()  # directories of runs this job finished (kept at checkpoint)

    def _left(self, chunk: Chunk) -> Work:
        """The chunk's runs not yet finished by this job (or, with resume, by any run of that config)."""
        cfgs, dirs, job_logs = [], [], []
        for values, out_dir, log in zip(*chunk):
            cfg = OmegaConf.create(values)
            record = artifacts.read_metrics(Path(out_dir))
            finished = record is not None and run.finished(cfg, Path(out_dir), record)
            if not (finished and (cfg.resume or out_dir in self.done)):
                cfgs.append(cfg)
                dirs.append(Path(out_dir))
                job_logs.append(Path(log))
        return cfgs, dirs, job_logs

    def __call__(self, chunks: list[Chunk], cpus: int) -> dict[str, int]:
        """Train the chunks; returns how many runs finished and failed here."""
        work = [w for w in (self._left(c) for c in chunks) if w[0]]
        counts = {"finished": 0, "failed": 0}

        def record(i: int, results: list[tuple[str, Any]]) -> None:
            for out_dir, (status, _) in zip(work[i][1], results):
                counts["finished" if status == "ok" else "failed"] += 1
                if status == "ok":
                    self.done.add(str(out_dir))
                print(f"lab1: {out_dir}: {status}", flush=True)

        train_chunks(min(cpus, len(work)), work, record)
        return counts


def executor(cluster: str, folder: str, settings: Cluster) -> Any:
    """submitit's AutoExecutor for ``cluster`` (slurm or local) with the launcher's settings."""
    params = dict(settings.executor)
    ex = submitit.AutoExecutor(
        folder=folder, cluster=cluster, **{f"{cluster}_max_num_timeout": settings.max_num_timeout}
    )
    generic = set("timeout_min mem_gb name stderr_to_stdout gpus_per_node nodes tasks_per_node".split())
    values = {k if k in generic else f"{cluster}_{k}": v for k, v in params.items() if v is not None}
    values["cpus_per_task"] = settings.cpus_per_task
    values["timeout_min"] = settings.timeout_min
    if cluster == "slurm":
        values["slurm_array_parallelism"] = settings.array_parallelism
    ex.update_parameters(**values)
    return ex


def _chunk(members: list[Pending]) -> Chunk:
    """A chunk as a job receives it: plain values and paths."""
    values = [cast(dict[str, Any], plain(p.cfg)) for p in members]
    return values, [str(p.out_dir) for p in members], [str(path) for path in logs(members)]


def _stamp(path: Path) -> tuple[int, int] | None:
    """Which version of a file is there (inode, mtime), if any."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


class Follow:
    """The runs of the submitted jobs, settled as their files appear."""

    def __init__(self, prepared: Prepared, job_plan: JobPlan) -> None:
        self.prepared = prepared
        self.runs: list[list[Pending]] = [[p for chunk in job for p, _ in chunk] for job in job_plan.jobs]
        self.before = {
            p.idx: (_stamp(p.out_dir / artifacts.METRICS), _stamp(p.out_dir / artifacts.ERROR))
            for runs in self.runs
            for p in runs
        }
        self.open: set[int] = set(self.before)

    def settle(self, j: int) -> int:
        """Record job j's runs that finished or failed since submission; how many are still open."""
        left = 0
        for p in (p for p in self.runs[j] if p.idx in self.open):
            metrics, error = p.out_dir / artifacts.METRICS, p.out_dir / artifacts.ERROR
            record = None
            if _stamp(metrics) not in (None, self.before[p.idx][0]):
                record = artifacts.read_metrics(p.out_dir)
            if record is not None:
                self.prepared.record(p, "ok", record)
            elif _stamp(error) not in (None, self.before[p.idx][1]):
                record = artifacts.read_json(error)  # the error a failed run recorded
                self.prepared.record(
                    p, "failed", "failed" if record is None else str(record.get("error", ""))
                )
            else:
                left += 1
                continue
            self.open.discard(p.idx)
        return left

    def close(self, j: int, job: Any) -> None:
        """Job j has ended: its runs still open failed (the job raised) or are unfinished."""
        self.settle(j)
        error = job.exception() if job.paths.result_pickle.exists() else None
        for p in (p for p in self.runs[j] if p.idx in self.open):
            if error is not None:
                last = str(error).strip().splitlines()[-4:-3] or ["failed"]
                failure = RuntimeError(f"its job {job.job_id} failed: {last[0].strip()}")
                self.prepared.record(p, "failed", run.record_failure(p.out_dir, failure))
            else:
                why = (
                    f"its job {job.job_id} ended ({job.state}) first; run the same command again to train it"
                )
                self.prepared.record(p, "unfinished", why)
            self.open.discard(p.idx)


def submit_and_wait(
    prepared: Prepared, job_plan: JobPlan, cluster: str, folder: str, settings: Cluster
) -> None:
    """Submit every planned job (all at once as a SLURM array; at most ``array_parallelism``
    at a time on this machine), print each run as it settles, and return once all have ended."""
    ex = executor(cluster, folder, settings)
    follow = Follow(prepared, job_plan)
    args = [[_chunk([p for p, _ in chunk]) for chunk in job] for job in job_plan.jobs]
    cpus = [settings.cpus_per_task] * len(args)
    slurm = cluster == "slurm"  # SLURM takes the whole array at once
    handles: dict[int, Any] = dict(enumerate(ex.map_array(ChunkJob(), args, cpus))) if slurm else {}
    waiting = list(range(len(args)))[len(handles) :]
    poll = min(5.0, max(0.2, len(follow.open) / 5000))
    try:
        while handles or waiting:
            while waiting and len(handles) < settings.array_parallelism:
                j = waiting.pop(0)
                handles[j] = ex.submit(ChunkJob(), args[j], cpus[j])
            for j, job in list(handles.items()):
                if job.done():
                    follow.close(j, job)
                    del handles[j]
                else:
                    follow.settle(j)
            interrupt.check()
            time.sleep(poll) if handles else None
    except KeyboardInterrupt:
        for job in handles.values():
            job.cancel(check=False)
        raise
