"""The vectorized launcher against Hydra's basic and joblib launchers, side by side.

    python benchmarks/bench_sweep.py [--epochs 100000] [--parts sweep,report,population] [--rounds 1]

1. sweep: 64 jobs (16 learning rates x 4 seeds, the lab network, xor, --epochs epochs)
   under the basic, joblib and vectorized launchers, each as a user types it, in a fresh
   directory, launchers alternating for ``--rounds`` rounds; prints wall seconds, the best
   of the rounds, and the vectorized launcher's speed-up over each.
2. report: ``python -m lab1.report`` with its defaults (vectorized launcher), from scratch;
   its CPU time, shared out over training, writing runs, figures, PDF, Hydra composition,
   collect and start-up by sampling every process's stack (``breakdown/sitecustomize.py``);
   and a lower bound from its work: np.exp / np.tanh over every sigmoid and tanh element
   the runs compute, plus the MLPs' multiply-adds at the best BLAS rate.
3. population: member-epochs per second of the core at K = 1, 8, 64, 256 on xor and
   linear, in one process, beside a hand-tuned numpy population of the same network
   (``reference_population.py``: K-first stacked arrays, batched matmul, preallocated
   buffers) on the same data; prints the ratio (target: at least 0.5x).

Needs the ``joblib`` extra for part 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
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


def sweep_part(epochs: int, launchers: list[str], rounds: int) -> None:
    """64 jobs under each launcher, launchers alternating, the best of ``rounds`` for each."""
    base = [sys.executable, "-m", "lab1", "-m", "dataset=xor", f"lr={LRS}", "seed=range(4)"]
    base += [f"epochs={epochs}", "print_every=0", "plots.per_job=false"]
    seconds: dict[str, float] = {}
    for i in range(rounds):
        for launcher in launchers:
            took = timed([*base, f"launcher={launcher}"])
            seconds[launcher] = min(took, seconds.get(launcher, took))
            print(f"64-job sweep, {launcher:10s}: {took:8.1f} s (round {i + 1} of {rounds})", flush=True)
    for launcher in launchers:
        print(f"64-job sweep, {launcher:10s}: {seconds[launcher]:8.1f} s, the best of {rounds}")
    v = seconds.get("vectorized")
    for other, target in (("basic", 11), ("joblib", 4)):  # issue 27
        if v and other in seconds:
            print(f"vectorized is {seconds[other] / v:.1f}x faster than {other} (target {target}x)")


BREAKDOWN = Path(__file__).parent / "breakdown"  # its sitecustomize samples every process of the report


def report_part() -> None:
    """The full report with its defaults, its CPU time by part, and a lower bound from its work."""
    try:  # orphans (the report's forkserver and its sweeps) are reaped here, their CPU counted
        import ctypes

        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER (Linux)
    except (OSError, AttributeError):
        pass
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as samples:
        env = {**os.environ, "LAB1_BREAKDOWN": samples, "PYTHONPATH": str(BREAKDOWN)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "lab1.report"], cwd=tmp, capture_output=True, text=True, env=env
        )
        seconds = time.perf_counter() - start
        with contextlib.suppress(ChildProcessError):
            while True:
                os.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            sys.exit(f"failed: python -m lab1.report\n{done.stderr[-2000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        cores = os.cpu_count() or 1
        print(f"full report (defaults, vectorized launcher): {seconds:.1f} s (target < 60 s)", flush=True)
        print(
            f"  CPU time of the report and its sweeps: {cpu:.0f} s (over {cores} cores: {cpu / cores:.0f} s)"
        )
        parts: dict[str, float] = {}
        for path in Path(samples).glob("*.json"):
            for part, spent in json.loads(path.read_text())["parts"].items():
                parts[part] = parts.get(part, 0.0) + spent
        parts["not sampled (processes that ended unseen)"] = max(0.0, cpu - sum(parts.values()))
        for part, spent in sorted(parts.items(), key=lambda item: -item[1]):
            print(f"    {part:42s} {spent:7.1f} CPU-s  {100 * spent / cpu:5.1f}%")
        work = report_work(Path(tmp) / "outputs" / "report" / "sweeps")
    floor = 0.0
    for func in ("exp", "tanh"):
        ns = ns_per_element(func)
        floor += work[func] * ns * 1e-9
        print(
            f"  np.{func} on the report's activations: {work[func] / 1e9:.2f} G elements at {ns:.1f} ns each"
        )
    rate = matmul_rate()
    floor += 2 * work["mac"] / rate
    print(
        f"  the MLPs' matmuls: {work['mac'] / 1e9:.0f} G multiply-adds at {rate / 1e9:.1f} GFLOP/s (the best shape)"
    )
    print(
        f"  those two alone: {floor:.0f} CPU-s, {floor / cores:.0f} s over {cores} cores "
        "(a lower bound: no other op, no start-up, no figure)"
    )


ACTIVATION_FUNC = {"sigmoid": "exp", "tanh": "tanh"}  # the costly numpy call of each activation


def report_work(sweeps: Path) -> dict[str, float]:
    """The work of every finished run under ``sweeps``: elements through np.exp and np.tanh
    (epochs run x samples x units of each sigmoid or tanh layer) and multiply-adds of the
    MLPs' dense layers (forward, weight gradient, input gradient but the first layer's)."""
    from omegaconf import OmegaConf

    from lab1.config import net_spec
    from lab1.data import shape
    from lab1.sweep.cost import sizes

    totals = {"exp": 0.0, "tanh": 0.0, "mac": 0.0}
    trained: set[str] = set()  # a run copied into another sweep (reuse=) was trained once
    for metrics in sweeps.glob("*/*/*/metrics.json"):
        record = json.loads(metrics.read_text())
        if record["config_hash"] in trained:
            continue
        trained.add(record["config_hash"])
        cfg = OmegaConf.load(metrics.parent / ".hydra" / "config.yaml")
        samples, width, image = shape(cfg.dataset)  # the data's shape does not depend on the seed
        spec = net_spec(cfg, width, image)
        hidden = sum(spec.sizes[1:-1]) + sizes(cfg)[2]  # the convolution's outputs pass the activation too
        per_epoch = {spec.activation: hidden}
        per_epoch[spec.output_activation] = per_epoch.get(spec.output_activation, 0) + spec.sizes[-1]
        epochs = record["epochs_run"]
        if spec.conv is None:
            pairs = list(zip(spec.sizes[:-1], spec.sizes[1:]))
            totals["mac"] += (
                epochs * samples * sum(a * b * (2 if i == 0 else 3) for i, (a, b) in enumerate(pairs))
            )
        for activation, units in per_epoch.items():
            if activation in ACTIVATION_FUNC:
                totals[ACTIVATION_FUNC[activation]] += epochs * samples * units
    return totals


def matmul_rate(k: int = 5, n: int = 100) -> float:
    """Best-of-20 FLOP/s of a batched float64 matmul, (k, n, n) @ (k, n, n): the report's
    largest shape (100 samples, 100 units), where BLAS is most efficient; one BLAS thread,
    as in lab1's processes."""
    import numpy as np

    from lab1.nn.blas import limit_threads

    limit_threads()
    a = np.random.default_rng(0).normal(size=(k, n, n))
    out = np.empty_like(a)
    return 2 * k * n**3 / _per_call(lambda: np.matmul(a, a, out=out))


def ns_per_element(func: str, size: int = 32_000) -> float:
    """Best-of-20 nanoseconds per float64 element of np.<func> on a contiguous array."""
    import numpy as np

    x = np.random.default_rng(0).normal(0.0, 3.0, size)
    out = np.empty_like(x)
    f = getattr(np, func)
    return _per_call(lambda: f(x, out=out)) / size * 1e9


def _per_call(call: Callable[[], object], calls: int = 20, repeats: int = 20) -> float:
    """Seconds per call: the best of ``repeats`` rounds of ``calls`` calls (bench_conv's ``best``)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_conv import best

    def round_() -> None:
        for _ in range(calls):
            call()

    return best(round_, repeats) / calls


def population_part(repeats: int) -> None:
    """Member-epochs per second of the population core beside the hand-tuned reference."""
    import numpy as np
    from hydra import compose, initialize_config_module

    import lab1.config  # noqa: F401
    from lab1.config import CONFIG_PACKAGE, VERSION_BASE
    from lab1.data import make_dataset
    from lab1.job.population import train_configs

    sys.path.insert(0, str(Path(__file__).parent))
    from reference_population import train_reference

    print(
        f"{'population':18s} {'lab1':>12s} {'reference':>12s} {'ratio':>6s}   (member-epochs/s, one process)"
    )
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
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
    p.add_argument("--rounds", type=int, default=1, help="rounds of the sweep part, launchers alternating")
    args = p.parse_args()
    parts = set(args.parts.split(","))
    if "population" in parts:
        population_part(args.repeats)
    if "report" in parts:
        report_part()
    if "sweep" in parts:
        sweep_part(args.epochs, args.launchers.split(","), args.rounds)


if __name__ == "__main__":
    main()
