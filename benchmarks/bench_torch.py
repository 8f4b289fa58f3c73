"""lab1's population core beside the torch populations a researcher would write instead.

    python benchmarks/bench_torch.py [--repeats 3] [--ks 1,8,64,256,1024] [--work 200000]

The lab network (2-10-10-1, sigmoid, MSE, plain SGD, full batch) for K members on ``xor``
(21 points shared by every member) and ``linear`` (100 points, each member its own seed's),
the same data for all three, in one process:

- lab1: ``train_configs`` (the population core, with its per-epoch loss, accuracy and
  history), timed by the core's own clock;
- torch bmm: float64 tensors ``(K, n, width)``, ``baddbmm`` forward and a hand-written
  backward with ``bmm``, in-place SGD;
- torch autograd: the same forward, ``loss.backward()`` and an SGD step under ``no_grad``.

torch runs on one thread (``torch.set_num_threads(1)``), as lab1's BLAS does. Rounds
alternate between the three and the best of ``--repeats`` is kept. Prints member-epochs
per second and lab1's ratio to the better torch. Target: at least 1.0x at every K on both
datasets. Needs torch (``pip install -e '.[bench]'``; on a machine without a GPU, the CPU
build: ``pip install torch --index-url https://download.pytorch.org/whl/cpu``).
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Callable

import numpy as np
import torch
from hydra import compose, initialize_config_module

import lab1.config  # noqa: F401  (registers the schemas)
from lab1.config import CONFIG_PACKAGE, VERSION_BASE
from lab1.data import make_dataset
from lab1.job.population import train_configs

SIZES = (2, 10, 10, 1)
LR = 0.1


def _torch_data(dataset: str, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """X (K, n, 2) and y (K, n, 1) as lab1 makes them (xor: one copy, expanded)."""
    seeds = range(1 if dataset == "xor" else k)
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        cfg = compose("config", [f"dataset={dataset}"])
    data = [make_dataset(cfg.dataset, s) for s in seeds]
    X = torch.from_numpy(np.stack([d.X for d in data]))
    y = torch.from_numpy(np.stack([d.y for d in data])[:, :, None].astype(np.float64))
    return X.expand(k, -1, -1), y.expand(k, -1, -1)


def _params(k: int, grad: bool) -> list[torch.Tensor]:
    """W1, b1, W2, b2, W3, b3 of K members: standard normal weights, zero biases."""
    gen = torch.Generator().manual_seed(0)
    out = []
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        out += [
            torch.randn(k, a, b, generator=gen, dtype=torch.float64),
            torch.zeros(k, 1, b, dtype=torch.float64),
        ]
    return [p.requires_grad_(grad) for p in out]


def torch_bmm(X: torch.Tensor, y: torch.Tensor, epochs: int) -> float:
    """Seconds of ``epochs`` epochs, backward written by hand with bmm."""
    k, n = X.shape[0], X.shape[1]
    W1, b1, W2, b2, W3, b3 = _params(k, grad=False)
    start = time.perf_counter()
    for _ in range(epochs):
        a1 = torch.sigmoid(torch.baddbmm(b1, X, W1))
        a2 = torch.sigmoid(torch.baddbmm(b2, a1, W2))
        a3 = torch.sigmoid(torch.baddbmm(b3, a2, W3))
        err = a3 - y
        _loss = (err * err).mean(dim=(1, 2))  # every epoch's loss, as lab1 computes it
        d3 = err.mul_(2.0 / n).mul_(a3 * (1 - a3))
        d2 = torch.bmm(d3, W3.transpose(1, 2)).mul_(a2 * (1 - a2))
        d1 = torch.bmm(d2, W2.transpose(1, 2)).mul_(a1 * (1 - a1))
        for W, b, d, x in ((W3, b3, d3, a2), (W2, b2, d2, a1), (W1, b1, d1, X)):
            W.sub_(torch.bmm(x.transpose(1, 2), d), alpha=LR)
            b.sub_(d.sum(dim=1, keepdim=True), alpha=LR)
    return time.perf_counter() - start


def torch_autograd(X: torch.Tensor, y: torch.Tensor, epochs: int) -> float:
    """Seconds of ``epochs`` epochs, gradients by autograd."""
    params = _params(X.shape[0], grad=True)
    W1, b1, W2, b2, W3, b3 = params
    start = time.perf_counter()
    for _ in range(epochs):
        a1 = torch.sigmoid(torch.baddbmm(b1, X, W1))
        a2 = torch.sigmoid(torch.baddbmm(b2, a1, W2))
        a3 = torch.sigmoid(torch.baddbmm(b3, a2, W3))
        loss = ((a3 - y) ** 2).mean(dim=(1, 2))  # per member; their sum's gradient is each one's
        loss.sum().backward()
        with torch.no_grad():
            for p in params:
                p.sub_(p.grad, alpha=LR)
                p.grad = None
    return time.perf_counter() - start


def lab1_seconds(dataset: str, k: int, epochs: int) -> Callable[[], float]:
    """A call that trains K lab1 members and returns the core's own seconds."""
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        base = [f"dataset={dataset}", f"epochs={epochs}", f"lr={LR}", "early_stop=null", "print_every=0"]
        cfg = compose("config", base)
    cfgs = []
    for i in range(k):  # seed is a value override: the same config as composing each
        cfgs.append(copy.deepcopy(cfg))
        cfgs[-1].seed = i
    return lambda: train_configs(cfgs)[0].wall_seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--ks", default="1,8,64,256,1024")
    p.add_argument(
        "--work", type=int, default=200_000, help="member-epochs per case on xor (linear: a quarter)"
    )
    args = p.parse_args()
    torch.set_num_threads(1)
    print(f"{'case':14s} {'lab1':>10s} {'torch bmm':>10s} {'autograd':>10s} {'lab1/best torch':>16s}")
    print("(member-epochs per second, one process, one thread; best of", args.repeats, "alternating rounds)")
    for dataset in ("xor", "linear"):
        for k in (int(x) for x in args.ks.split(",")):
            epochs = min(20_000, max(20, args.work // k // (1 if dataset == "xor" else 4)))
            X, y = _torch_data(dataset, k)
            runs = {
                "lab1": lab1_seconds(dataset, k, epochs),
                "bmm": lambda X=X, y=y, e=epochs: torch_bmm(X, y, e),
                "autograd": lambda X=X, y=y, e=epochs: torch_autograd(X, y, e),
            }
            best = dict.fromkeys(runs, 0.0)
            for _ in range(args.repeats):
                for name, run in runs.items():
                    best[name] = max(best[name], k * epochs / run())
            ratio = best["lab1"] / max(best["bmm"], best["autograd"])
            print(
                f"{dataset:6s} K={k:<5d} {best['lab1']:10,.0f} {best['bmm']:10,.0f} "
                f"{best['autograd']:10,.0f} {ratio:15.2f}x",
                flush=True,
            )
    print("target: lab1 at least 1.0x the better torch at every K")


if __name__ == "__main__":
    main()
