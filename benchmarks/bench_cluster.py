"""Populations on a cluster, on paper: plan a 100,000-run sweep for launcher=vectorized_slurm.

    python benchmarks/bench_cluster.py [--seeds 250] [--epochs 1000] [--skip-measure]

1. plan: 10 learning rates x 10 widths x 4 optimizers x 250 seeds (xor, --epochs epochs)
   planned as the cluster launchers plan (``lab1.sweep.cluster.plan_jobs``: group, chunk,
   size to chunk_seconds, pack into jobs); prints the jobs, the estimated makespan at
   array_parallelism 1, 8, 64 and 512, the speed-up over 1, and the planning time. The 40
   distinct structures are composed once each; the 100,000 jobs share them (planning reads
   no seed or learning rate), so nothing is composed per job here.
2. measure: a small sweep through submitit's local executor (launcher=vectorized_submitit_local):
   the dry run's estimated makespan beside the measured wall time of the same command, and
   their ratio.
"""

from __future__ import annotations

import argparse
import copy
import re
import subprocess
import sys
import tempfile
import time

from hydra import compose, initialize_config_module
from omegaconf import OmegaConf

from lab1.config import CONFIG_PACKAGE, VERSION_BASE
from lab1.sweep.cluster import plan_jobs
from lab1.sweep.settings import Cluster

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
WIDTHS = (4, 8, 12, 16, 24, 32, 48, 64, 96, 128)
DATASET = "linear"


def plan_part(seeds: int, epochs: int) -> None:
    """The 100,000-run plan at several array_parallelism values."""
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        base = [f"dataset={DATASET}", f"epochs={epochs}", "plots.per_job=false"]
        composed = {o: compose("config", overrides=[*base, f"optim={o}"]) for o in OPTIMIZERS}
    shapes = {}
    for w, o in ((w, o) for w in WIDTHS for o in OPTIMIZERS):  # a value override on a copy
        shapes[w, o] = copy.deepcopy(composed[o])
        OmegaConf.update(shapes[w, o], "hidden", w)
    jobs = [((w, o, lr, s), cfg) for (w, o), cfg in shapes.items() for lr in range(10) for s in range(seeds)]
    for seconds in (300.0, 60.0):
        _plan_once(jobs, seeds, epochs, Cluster(chunk_seconds=seconds))


def _plan_once(jobs: list, seeds: int, epochs: int, settings: Cluster) -> None:
    """Plan once with these settings; print the jobs and the makespans."""
    start = time.perf_counter()
    job_plan = plan_jobs(jobs, settings)
    planning = time.perf_counter() - start
    print(
        f"{len(jobs):,} runs (10 lr x 10 widths x 4 optimizers x {seeds} seeds, {DATASET}, widths {WIDTHS[0]}-{WIDTHS[-1]}, {epochs} epochs)"
    )
    print(
        f"planned in {planning:.2f} s: {len(job_plan.chunks)} chunks from grouping, "
        f"{len(job_plan.jobs)} jobs (chunk_seconds={settings.chunk_seconds:g}, cpus_per_task={settings.cpus_per_task}); "
        f"estimated work {sum(job_plan.seconds) / 3600:.2f} job-hours"
    )
    one = job_plan.makespan(1)
    for p in (1, 8, 64, 512):
        span = job_plan.makespan(p)
        print(
            f"  array_parallelism={p:4d}: estimated makespan {span / 60:8.1f} min, speed-up {one / span:6.1f}x"
        )


def _seconds(text: str) -> float:
    """Seconds from the dry run's '12.3 s' / '4.5 min' / '1.2 h'."""
    number, unit = text.split()
    return float(number) * {"s": 1, "min": 60, "h": 3600}[unit]


def measure_part() -> None:
    """Estimate against measurement at small scale through submitit's local executor."""
    args = [sys.executable, "-m", "lab1", "-m", "hydra.sweep.dir=sw", "dataset=xor", "epochs=3000"]
    args += [
        "print_every=0",
        "plots.per_job=false",
        "lr=0.1,0.5",
        "hidden=2,4,6,8",
        "optim=sgd,adam",
        "seed=range(8)",
    ]
    args += ["launcher=vectorized_submitit_local", "hydra.launcher.cpus_per_task=1"]
    args += ["hydra.launcher.array_parallelism=2", "hydra.launcher.chunk_seconds=0.5"]
    with tempfile.TemporaryDirectory() as tmp:
        dry = subprocess.run(
            [*args, "hydra.launcher.dry_run=true"], cwd=tmp, capture_output=True, text=True, check=True
        )
        found = re.search(r"estimated makespan at array_parallelism=2: ([\d.]+ \w+)", dry.stdout)
        jobs = re.search(r"jobs to submit: (\d+)", dry.stdout)
        assert found and jobs, dry.stdout
        start = time.perf_counter()
        done = subprocess.run(args, cwd=tmp, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"failed:\n{done.stderr[-2000:]}")
    estimate = _seconds(found.group(1))
    print(
        f"128 runs in {jobs.group(1)} jobs through the local executor, array_parallelism=2, cpus_per_task=1:"
    )
    print(
        f"  estimated makespan {estimate:.1f} s, measured {wall:.1f} s (the whole command), ratio {wall / estimate:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=250)
    parser.add_argument("--epochs", type=int, default=1000)
    parser.add_argument("--skip-measure", action="store_true")
    args = parser.parse_args()
    plan_part(args.seeds, args.epochs)
    if not args.skip_measure:
        measure_part()


if __name__ == "__main__":
    main()
