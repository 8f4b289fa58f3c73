"""What the experiment trackers add to the mission sweep, side by side.

    python benchmarks/bench_loggers.py [--repeats 3]

The mission sweep (``python -m lab1 -m optim=sgd,adam lr=1e-4,1e-2``, 8 runs) from
scratch, with no logger, ``logger=tensorboard`` and ``logger=mlflow``, alternating; the
best of ``--repeats`` rounds of each. Target: at most +10%. Needs the ``tensorboard`` and
``mlflow`` extras.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench_report import timed

MISSION = [sys.executable, "-m", "lab1", "-m", "optim=sgd,adam", "lr=1e-4,1e-2", "print_every=0"]
LOGGERS = {"none": [], "tensorboard": ["logger=tensorboard"], "mlflow": ["logger=mlflow"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    best = {name: float("inf") for name in LOGGERS}
    for _ in range(args.repeats):
        for name, extra in LOGGERS.items():
            with tempfile.TemporaryDirectory() as tmp:
                best[name] = min(best[name], timed(MISSION + extra, Path(tmp)))
    base = best["none"]
    for name, seconds in best.items():
        print(f"mission sweep, logger={name:12s}: {seconds:6.2f} s  ({100 * (seconds - base) / base:+.1f}%)")
    print("target: at most +10%")


if __name__ == "__main__":
    main()
