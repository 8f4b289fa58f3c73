"""The vectorized launcher against Hydra's basic and joblib launchers, side by side.

    python benchmarks/bench_sweep.py [--epochs 100000] [--parts sweep,report,population]

1. sweep: 64 jobs (16 learning rates x 4 seeds, the lab network, xor, --epochs epochs)
   under the basic, joblib and vectorized launchers, each as a user types it, in a fresh
   directory; prints wall seconds and the vectorized launcher's speed-up over each.
2. report: ``python -m lab1.report`` with its defaults (vectorized launcher), from scratch.
3. population: member-epochs per second of the core at K = 1, 8, 64, 256 on xor and
   linear, in one process, beside a hand-tuned numpy population of the same network
   (``reference_population.py``: K-first stacked arrays, batched matmul, preallocated
   buffers) on the same data; prints the ratio (target: at least 0.5x).

Needs the ``joblib`` extra for part 1.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def population_part(repeats: int) -> None:
    """Member-epochs per second of the population core beside the hand-tuned reference."""
    import numpy as np
    from hydra import compose, initialize_config_module

    import lab1.config  # noqa: F401
    from lab1.data import make_dataset
    from lab1.population import train_configs

    sys.path.insert(0, str(Path(__file__).parent))
    from reference_population import train_reference

    print(
        f"{'population':18s} {'lab1':>12s} {'reference':>12s} {'ratio':>6s}   (member-epochs/s, one process)"
    )
    with initialize_config_module("lab1.conf", version_base=None):
        for dataset in ("xor", "linear"):
            for k in (1, 8, 64, 256):
                epochs = max(100, 100_000 // k // (1 if dataset == "xor" else 4))
                lrs = [0.05 * (1 + i % 16) for i in range(k)]
                overrides = [f"dataset={dataset}", f"epochs={epochs}", "early_stop=null"]
                cfgs = [compose("config", [*overrides, f"lr={lr}", f"seed={i}"]) for i, lr in enumerate(lrs)]
                data = [make_dataset(c.dataset, int(c.seed)) for c in cfgs[: 1 if dataset == "xor" else k]]
                X = np.stack([d.X for d in data])
                y = np.stack([d.y for d in data])[:, :, None].astype(np.float64)
                ours, theirs = [], []
                for _ in range(repeats):  # alternate, keep the best: load bursts hurt both alike
                    start = time.perf_counter()
                    train_configs(cfgs)
                    ours.append(k * epochs / (time.perf_counter() - start))
                    theirs.append(k * epochs / train_reference(X, y, np.array(lrs), list(range(k)), epochs))
                a, b = max(ours), max(theirs)
                print(f"{dataset:6s} K={k:<3d}        {a:12,.0f} {b:12,.0f} {a / b:5.2f}x", flush=True)
    print("target: lab1 at least 0.5x the hand-tuned reference")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=100_000, help="epochs of each sweep job")
    p.add_argument("--parts", default="sweep,report,population")
    p.add_argument("--repeats", type=int, default=3, help="rounds of the population part")
    p.add_argument("--launchers", default="vectorized,joblib,basic", help="for the sweep part")
    args = p.parse_args()
    parts = set(args.parts.split(","))
    if "population" in parts:
        population_part(args.repeats)
    if "report" in parts:
        report_part()
    if "sweep" in parts:
        sweep_part(args.epochs, args.launchers.split(","))


if __name__ == "__main__":
    main()
