"""Populations as submitit jobs (launcher=vectorized_submitit_local, real processes): a killed
job resumed, a preempted job requeued, the dry run, a failing run inside a job. (Same results
as the local vectorized launcher in fewer jobs than runs: tests/sweep/test_vectorized.py, which
holds the local sweep to compare with.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pandas as pd
import pytest

from lab1.sweep.cluster import pack, plan_jobs, schedule
from lab1.sweep.settings import Cluster
from tests.helpers import FAST, LOCAL, MIXED, lab1_here, make_cfg, run_cli, submitted_jobs, wait_for

pytest.importorskip("submitit")


def sweep(tmp_path, name: str, *args: str):
    proc = run_cli(["-m", f"hydra.sweep.dir={name}", *FAST, *args], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, tmp_path / name


def test_dry_run_prints_the_plan_and_submits_nothing(tmp_path):
    proc = run_cli(
        ["-m", "hydra.sweep.dir=dry", *FAST, *MIXED, *LOCAL, "hydra.launcher.dry_run=true"], tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "8 runs to train in 2 groups; nothing is submitted" in out
    for text in ("group 2: 4 runs", "chunks: ", "jobs to submit: 1", "job 1: ", "estimated makespan"):
        assert text in out, text
    assert not (tmp_path / "dry").exists()


# four groups trained one after another in one job of one cpu, about a third of a second each
ONE_JOB = [*FAST, "dataset=xor", "epochs=6000", "hidden=2,3,4,5", "seed=0,1"]
ONE_JOB += ["launcher=vectorized_submitit_local", "hydra.launcher.cpus_per_task=1"]


def start_one_job(tmp_path):
    """The ONE_JOB sweep started into ``sw``; returns (process, root, the job's folder) once
    its first run has finished."""
    cmd = [sys.executable, "-m", "lab1", "-m", "hydra.sweep.dir=sw", *ONE_JOB]
    root = tmp_path / "sw"
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_for(lambda: any(root.glob("*/metrics.json")), 120)
    (job,) = submitted_jobs(root)
    return proc, root, job


def test_a_killed_job_keeps_its_finished_runs_and_a_rerun_trains_only_the_rest(tmp_path):
    proc, root, job = start_one_job(tmp_path)
    os.kill(
        int(job.name), signal.SIGINT
    )  # what submitit's LocalJob.cancel() does: its controller stops the job
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err[-3000:]
    finished = sorted(p.parent.name for p in root.glob("*/metrics.json"))
    assert 1 <= len(finished) < 8  # how many runs beat the kill depends on the machine
    assert out.count("unfinished: its job") == 8 - len(finished)
    assert f"{len(finished)} finished, 0 failed, {8 - len(finished)} skipped" in out
    before = {p: p.stat().st_mtime_ns for p in root.glob("*/metrics.json")}
    again = run_cli(["-m", "hydra.sweep.dir=sw", *ONE_JOB], tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.count("already holds a finished run") == len(finished)
    assert again.stdout.count("loss=") == 8 - len(finished)  # only the unfinished ones trained
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())
    assert "8 finished, 0 failed, 0 skipped" in again.stdout
    assert len(submitted_jobs(root)) == 2


def test_a_run_that_raises_inside_a_job_fails_alone_and_the_sweep_collects(tmp_path):
    broken = tmp_path / "sw" / "dataset=xor,epochs=50,lr=0.2"
    (broken / "predictions.csv").mkdir(parents=True)  # a directory where the run must write a file
    args = ["dataset=xor", "epochs=50", "lr=0.1,0.2,0.3", *LOCAL]
    proc, root = sweep(tmp_path, "sw", *args)
    assert "Traceback" not in proc.stderr
    table = pd.read_csv(root / "results.csv").set_index("job")
    assert table.loc[broken.name, "status"] == "failed"
    assert "IsADirectoryError" in table.loc[broken.name, "error"]
    assert (table.drop(index=broken.name).status == "ok").all() and len(table) == 3
    assert "2 finished, 1 failed, 0 skipped" in proc.stdout


def test_jobs_are_sized_by_chunk_seconds_within_the_timeout():
    cfg = make_cfg("dataset=xor", "epochs=1000", "plots.per_job=false")
    jobs = [(i, cfg) for i in range(64)]  # 64 alike runs (planning reads no seed)
    big = plan_jobs(jobs, Cluster(chunk_seconds=3600, cpus_per_task=1))
    assert len(big.jobs) == 1 and len(big.chunks) == 1
    small = plan_jobs(jobs, Cluster(chunk_seconds=0.05, cpus_per_task=1))
    assert len(small.jobs) > 1 and all(len(c) <= 256 for job in small.jobs for c in job)
    assert sorted(i for job in small.jobs for c in job for i, _ in c) == list(range(64))
    capped = Cluster(chunk_seconds=10**6, timeout_min=1)  # half a minute of work at most
    assert capped.limit_ns() == 30e9
    assert schedule([3.0, 3.0, 2.0, 2.0, 2.0], 2) == 7.0  # 3+2+2 and 3+2
    assert pack([], 1e9, 2) == []
    assert small.makespan(1) == pytest.approx(sum(small.seconds))
    assert small.makespan(len(small.jobs)) == pytest.approx(max(small.seconds))


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    with open(path) as f:
        return [int(c) for c in f.read().split()]


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="finds the job's task process in /proc")
def test_a_preempted_job_requeues_and_keeps_its_finished_runs(tmp_path):
    """Preemption as SLURM signals it (submitit's USR signal to the job's task): the job
    checkpoints and requeues, the runs it finished are kept, the rest train after it."""
    from submitit.local.local import LocalJobEnvironment

    proc, root, job = start_one_job(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in root.glob("*/metrics.json")}
    (task,) = _children(int(job.name))  # the controller's one task: the job itself
    os.kill(task, LocalJobEnvironment._usr_sig())
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err[-3000:]
    assert "8 finished, 0 failed, 0 skipped" in out
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())  # kept through the requeue
    logs = "".join(p.read_text(errors="replace") for p in job.glob("*_log.*"))
    assert "Requeued" in logs or "requeue" in logs.lower()


@pytest.mark.parametrize(
    "setting, allowed",
    [
        ("chunk_seconds=0.0", "a number of seconds > 0"),
        ("cpus_per_task=0", "an integer >= 1"),
        ("timeout_min=0", "an integer >= 1 (minutes)"),
        ("array_parallelism=-1", "an integer >= 1"),
    ],
)
def test_a_bad_cluster_setting_is_refused_before_anything_is_submitted(
    tmp_path, monkeypatch, capfd, setting, allowed
):
    args = ["-m", "hydra.sweep.dir=sw", *FAST, "hidden=3,4", LOCAL[0], f"hydra.launcher.{setting}"]
    code, _, err = lab1_here(args, tmp_path, monkeypatch, capfd)
    key, value = setting.split("=")
    assert code == 2, err
    assert err.strip() == f"lab1: error: hydra.launcher.{key}={value} is not allowed: {allowed}"
    assert not (tmp_path / "sw").exists()
