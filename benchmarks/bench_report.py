"""Wall seconds of the mission's 8-run sweep and of the full report, each from scratch.

    python benchmarks/bench_report.py [--epochs 20000] [--seeds 5] [--launcher basic]
                                      [--skip-report]

Both run as a user would, in a fresh temporary directory, so nothing is reused. The
figures are the baseline the vectorized launcher is measured against.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], cwd: Path) -> float:
    """Seconds for one command; stops the benchmark if it fails."""
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20000)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--launcher", default=None, help="Hydra launcher (default: the config's)")
    p.add_argument("--skip-report", action="store_true")
    args = p.parse_args()
    launcher = [f"launcher={args.launcher}"] if args.launcher else []
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        mission = [sys.executable, "-m", "lab1", "-m", "optim=sgd,adam", "lr=1e-4,1e-2", "print_every=0"]
        seconds = timed(mission + launcher, cwd)
        print(f"mission sweep (8 runs, 20000 epochs each): {seconds:.1f} s")
        if not args.skip_report:
            report = [
                sys.executable,
                "-m",
                "lab1.report",
                "--epochs",
                str(args.epochs),
                "--seeds",
                str(args.seeds),
            ]
            report += ["--launcher", args.launcher] if args.launcher else []
            seconds = timed(report, cwd)
            runs = sum(1 for _ in cwd.glob("outputs/report/sweeps/*/*/*/metrics.json"))
            print(f"full report ({runs} runs, {args.epochs} epochs, {args.seeds} seeds): {seconds:.1f} s")


if __name__ == "__main__":
    main()
