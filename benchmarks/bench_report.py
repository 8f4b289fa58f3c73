"""Wall seconds of the mission's 8-run sweep and of the full report, each from scratch.

    python benchmarks/bench_report.py [--epochs 20000] [--seeds 5] [--launcher basic]
                                      [--skip-report] [--pdf-cost]

Everything runs as a user would, in a fresh temporary directory, so nothing is reused.
``--pdf-cost`` runs the report twice from scratch, side by side: with ``--no-pdf`` (no
report.pdf, no training animations) and in full, and prints what the PDF and the
animations add (target: at most 10%).
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


def report_seconds(args: argparse.Namespace, extra: list[str]) -> tuple[float, int]:
    """(wall seconds, runs) of one report from scratch."""
    cmd = [sys.executable, "-m", "lab1.report", "--epochs", str(args.epochs), "--seeds", str(args.seeds)]
    cmd += ["--launcher", args.launcher] if args.launcher else []
    with tempfile.TemporaryDirectory() as tmp:
        seconds = timed(cmd + extra, Path(tmp))
        runs = sum(1 for _ in Path(tmp).glob("outputs/report/sweeps/*/*/*/metrics.json"))
    return seconds, runs


def pdf_cost(args: argparse.Namespace) -> None:
    """The report with and without its PDF and animations, alternately, best of --repeats."""
    plain, full = [], []
    for _ in range(args.repeats):
        plain.append(report_seconds(args, ["--no-pdf"])[0])
        full.append(report_seconds(args, [])[0])
    a, b = min(plain), min(full)
    print(f"report --no-pdf: {a:.1f} s; with report.pdf and animations: {b:.1f} s")
    print(f"the PDF and the animations add {100 * (b - a) / a:+.1f}% (target: at most +10%)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20000)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--launcher", default=None, help="Hydra launcher (default: the config's)")
    p.add_argument("--skip-report", action="store_true")
    p.add_argument("--pdf-cost", action="store_true", help="only the report with and without its PDF")
    p.add_argument("--repeats", type=int, default=1, help="rounds of --pdf-cost (best of)")
    args = p.parse_args()
    if args.pdf_cost:
        pdf_cost(args)
        return
    launcher = [f"launcher={args.launcher}"] if args.launcher else []
    with tempfile.TemporaryDirectory() as tmp:
        mission = [sys.executable, "-m", "lab1", "-m", "optim=sgd,adam", "lr=1e-4,1e-2", "print_every=0"]
        seconds = timed(mission + launcher, Path(tmp))
        print(f"mission sweep (8 runs, 20000 epochs each): {seconds:.1f} s")
    if not args.skip_report:
        seconds, runs = report_seconds(args, [])
        print(f"full report ({runs} runs, {args.epochs} epochs, {args.seeds} seeds): {seconds:.1f} s")


if __name__ == "__main__":
    main()
