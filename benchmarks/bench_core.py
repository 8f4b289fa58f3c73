"""Epochs per second of lab1's core against scikit-learn's MLPClassifier, side by side.

The lab network (2-10-10-1, sigmoid, MSE, plain SGD, full batch) on ``xor`` and ``linear``;
scikit-learn does the same work (hidden (10, 10), logistic, sgd, momentum 0, batch = n,
no shuffling, no early stopping). Runs alternate, and the best of ``--repeats`` rounds
is kept for each, so a burst of load on this shared machine hurts both alike.

    python benchmarks/bench_core.py [--epochs 5000] [--repeats 5]

Needs the ``bench`` extra (scikit-learn).
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'dataset':8} {'lab1 ep/s':>11} {'sklearn ep/s':>13} {'ratio':>7}")
    for dataset in ("xor", "linear"):
        with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
            cfg = compose(
                "config", overrides=[f"dataset={dataset}", f"epochs={args.epochs}", "plots.per_job=false"]
            )
        ours, theirs = [], []
        for _ in range(args.repeats):
            ours.append(lab1_rate(cfg))
            theirs.append(sklearn_rate(cfg, args.epochs))
        print(f"{dataset:8} {max(ours):11.0f} {max(theirs):13.0f} {max(ours) / max(theirs):6.2f}x")
    print("target: ratio >= 3.3x on both datasets (issue 27)")


if __name__ == "__main__":
    main()
