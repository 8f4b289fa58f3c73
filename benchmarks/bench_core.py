"""Epochs per second of lab1's core against scikit-learn's MLPClassifier, side by side.

The lab network (2-10-10-1, sigmoid, MSE, plain SGD, full batch) on ``xor`` and ``linear``;
scikit-learn does the same work (hidden (10, 10), logistic, sgd, momentum 0, batch = n,
no shuffling, no early stopping). Each round times both, alternating, each in a fresh
process (the best of three fits there), and the best of ``--repeats`` rounds is kept for
each: where a process's code and data land moves its speed by up to 40% on this machine,
for either side (the same lab1 epoch took 23 to 38 us from one process to the next; with
address randomisation off, the same every time), so each side draws its layouts alike.

    python benchmarks/bench_core.py [--epochs 5000] [--repeats 5]

Needs the ``bench`` extra (scikit-learn).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import warnings

from hydra import compose, initialize_config_module

import lab1.config  # noqa: F401  (registers the schemas)
from lab1.config import CONFIG_PACKAGE, VERSION_BASE
from lab1.data import make_dataset
from lab1.job.population import train_configs


def lab1_rate(cfg) -> float:
    start = time.perf_counter()
    (r,) = train_configs([cfg])
    return r.epochs_run / (time.perf_counter() - start)


def sklearn_rate(cfg, epochs: int) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    d = make_dataset(cfg.dataset, int(cfg.seed))
    model = MLPClassifier(
        hidden_layer_sizes=(10, 10),
        activation="logistic",
        solver="sgd",
        momentum=0.0,
        nesterovs_momentum=False,
        learning_rate_init=0.1,
        batch_size=len(d.y),
        shuffle=False,
        tol=0.0,
        n_iter_no_change=10**9,
        max_iter=epochs,
        alpha=0.0,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(d.X, d.y)
    return epochs / (time.perf_counter() - start)


def one(side: str, dataset: str, epochs: int) -> float:
    """Best epochs/s of three fits of one side in this process."""
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        cfg = compose("config", overrides=[f"dataset={dataset}", f"epochs={epochs}", "plots.per_job=false"])
    return max(lab1_rate(cfg) if side == "lab1" else sklearn_rate(cfg, epochs) for _ in range(3))


def in_process(side: str, dataset: str, epochs: int) -> float:
    """``one`` in a fresh Python."""
    cmd = [sys.executable, __file__, "--one", side, "--dataset", dataset, "--epochs", str(epochs)]
    return float(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--one", choices=("lab1", "sklearn"), help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(one(args.one, args.dataset, args.epochs))
        return
    print(f"{'dataset':8} {'lab1 ep/s':>11} {'sklearn ep/s':>13} {'ratio':>7}")
    for dataset in ("xor", "linear"):
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(in_process("lab1", dataset, args.epochs))
            theirs.append(in_process("sklearn", dataset, args.epochs))
        print(f"{dataset:8} {max(ours):11.0f} {max(theirs):13.0f} {max(ours) / max(theirs):6.2f}x")
    print("target: ratio >= 3.3x on both datasets (issue 27)")


if __name__ == "__main__":
    main()
