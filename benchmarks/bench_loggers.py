"""What each experiment tracker costs a command, side by side with no logger.

    python benchmarks/bench_loggers.py [--repeats 3]

Two sweeps, each typed as a user would in a new directory: the mission sweep
(``python -m lab1 -m optim=sgd,adam lr=1e-4,1e-2``, 8 runs) and the same with
``seed=range(8)`` (64 runs); with no logger, ``logger=tensorboard`` and ``logger=mlflow``
(its store already there, as on every use after the first, and on first use, when MLflow
makes the store's tables), in turn; the best of ``--repeats`` rounds of each. From the
extra seconds over no logger at 8 and 64 runs, a straight line gives the fixed cost per
command and the cost per run. Targets: fixed at most 2.0 s, at most 25 ms per run. Needs
the ``tensorboard`` and ``mlflow`` extras.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from bench_report import timed

MISSION = [sys.executable, "-m", "lab1", "-m", "optim=sgd,adam", "lr=1e-4,1e-2", "print_every=0"]
SIZES = {8: [], 64: ["seed=range(8)"]}  # runs: the overrides that make them
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
    best = {(name, runs): float("inf") for name in CASES for runs in SIZES}
    with tempfile.TemporaryDirectory() as made:  # a store with its tables, made once
        timed([*MISSION[:3], "logger=mlflow", "epochs=1", "dataset=xor", "print_every=0"], Path(made))
        store = Path(made) / "outputs" / "mlflow.db"
        for _ in range(args.repeats):
            for (name, runs), seconds in best.items():
                extra, existing = CASES[name]
                with tempfile.TemporaryDirectory() as tmp:
                    if existing:
                        (Path(tmp) / "outputs").mkdir()
                        shutil.copyfile(store, Path(tmp) / "outputs" / "mlflow.db")
                    took = timed(MISSION + SIZES[runs] + extra, Path(tmp))
                    best[name, runs] = min(seconds, took)
    small, large = SIZES
    print(f"{'logger':22s} {small:>3d} runs  {large:>3d} runs   fixed per command   per run")
    for name in CASES:
        extra = {runs: best[name, runs] - best["none", runs] for runs in SIZES}
        per_run = (extra[large] - extra[small]) / (large - small)
        fixed = extra[small] - small * per_run
        times = "  ".join(f"{best[name, runs]:7.2f} s" for runs in SIZES)
        cost = "" if name == "none" else f"   {fixed:+8.2f} s       {1000 * per_run:+6.1f} ms"
        print(f"{name:22s} {times}{cost}")
    print("targets: fixed at most 2.0 s, at most 25 ms per run")


if __name__ == "__main__":
    main()
