"""The vectorized launcher against Hydra's basic and joblib launchers, side by side.

    python benchmarks/bench_sweep.py [--epochs 100000] [--parts sweep,report,population]

1. sweep: 64 jobs (16 learning rates x 4 seeds, the lab network, xor, --epochs epochs)
   under the basic, joblib and vectorized launchers, each as a user types it, in a fresh
   directory; prints wall seconds and the vectorized launcher's speed-up over each.
2. report: ``python -m lab1.report`` with its defaults (vectorized launcher), from scratch.
3. population: member-epochs per second of the core at K = 1, 8, 64, 256 on xor and
   linear, in one process.

Needs the ``joblib`` extra for part 1.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time

LRS = ",".join(f"{lr:.4g}" for lr in [0.05 * 1.25**i for i in range(16)])


def timed(cmd: list[str]) -> float:
    """Seconds of one command in a fresh directory; stops the benchmark if it fails."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr[-2000:]}")
    return seconds


def sweep_part(epochs: int, launchers: list[str]) -> None:
    """64 jobs under each launcher."""
    base = [sys.executable, "-m", "lab1", "-m", "dataset=xor", f"lr={LRS}", "seed=range(4)"]
    base += [f"epochs={epochs}", "print_every=0", "plots.per_job=false"]
    seconds = {}
    for launcher in launchers:
        seconds[launcher] = timed([*base, f"launcher={launcher}"])
        print(f"64-job sweep, {launcher:10s}: {seconds[launcher]:8.1f} s", flush=True)
    v = seconds.get("vectorized")
    for other, target in (("basic", 10), ("joblib", 4)):
        if v and other in seconds:
            print(f"vectorized is {seconds[other] / v:.1f}x faster than {other} (target {target}x)")


def report_part() -> None:
    """The full report with its defaults."""
    seconds = timed([sys.executable, "-m", "lab1.report"])
    print(f"full report (defaults, vectorized launcher): {seconds:.1f} s (target < 60 s)", flush=True)


def population_part() -> None:
    """Member-epochs per second of the population core."""
    from hydra import compose, initialize_config_module

    import lab1.config  # noqa: F401
    from lab1.population import train_configs

    with initialize_config_module("lab1.conf", version_base=None):
        for dataset in ("xor", "linear"):
            for k in (1, 8, 64, 256):
                epochs = max(200, 400_000 // k // (1 if dataset == "xor" else 4))
                cfgs = [
                    compose(
                        "config",
                        [f"dataset={dataset}", f"lr={0.05 * (1 + i % 16)}", f"seed={i}", f"epochs={epochs}"],
                    )
                    for i in range(k)
                ]
                start = time.perf_counter()
                train_configs(cfgs)
                rate = k * epochs / (time.perf_counter() - start)
                print(f"population {dataset:6s} K={k:3d}: {rate:10,.0f} member-epochs/s", flush=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=100_000, help="epochs of each sweep job")
    p.add_argument("--parts", default="sweep,report,population")
    p.add_argument("--launchers", default="vectorized,joblib,basic", help="for the sweep part")
    args = p.parse_args()
    parts = set(args.parts.split(","))
    if "population" in parts:
        population_part()
    if "report" in parts:
        report_part()
    if "sweep" in parts:
        sweep_part(args.epochs, args.launchers.split(","))


if __name__ == "__main__":
    main()
