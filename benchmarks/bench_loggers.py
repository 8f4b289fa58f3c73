"""What the experiment trackers add to the mission sweep, side by side.

    python benchmarks/bench_loggers.py [--repeats 3]

The mission sweep (``python -m lab1 -m optim=sgd,adam lr=1e-4,1e-2``, 8 runs) in a new
directory each time, with no logger, ``logger=tensorboard`` and ``logger=mlflow``, in
turn; the best of ``--repeats`` rounds of each. MLflow is timed twice: with its store
already there (``outputs/mlflow.db`` from an earlier command, as on every use after the
first) and on first use, when MLflow makes the store's tables. Target: at most +10%.
Needs the ``tensorboard`` and ``mlflow`` extras.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from bench_report import timed

MISSION = [sys.executable, "-m", "lab1", "-m", "optim=sgd,adam", "lr=1e-4,1e-2", "print_every=0"]
CASES = {  # name: (extra overrides, start from an existing store)
    "none": ([], False),
    "tensorboard": (["logger=tensorboard"], False),
    "mlflow, store there": (["logger=mlflow"], True),
    "mlflow, first use": (["logger=mlflow"], False),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as made:  # a store with its tables, made once
        timed([*MISSION[:3], "logger=mlflow", "epochs=1", "dataset=xor", "print_every=0"], Path(made))
        store = Path(made) / "outputs" / "mlflow.db"
        best = {name: float("inf") for name in CASES}
        for _ in range(args.repeats):
            for name, (extra, existing) in CASES.items():
                with tempfile.TemporaryDirectory() as tmp:
                    if existing:
                        (Path(tmp) / "outputs").mkdir()
                        shutil.copyfile(store, Path(tmp) / "outputs" / "mlflow.db")
                    best[name] = min(best[name], timed(MISSION + extra, Path(tmp)))
    base = best["none"]
    for name, seconds in best.items():
        print(f"mission sweep, logger={name:20s}: {seconds:6.2f} s  ({100 * (seconds - base) / base:+.1f}%)")
    print("target: at most +10%")


if __name__ == "__main__":
    main()
