"""Wall seconds of ``python -m lab1.check DIR`` on a synthetic class, beside the ideal N x T / cores.

    python benchmarks/bench_check.py [--n 12] [--seconds 2] [--jobs CORES]

Builds N hand-in zips in a fresh temporary directory. Each holds report.pdf (typeset once, by
Typst) and a program that trains the lab network (numpy, 2-10-10-1, full batch) on the handout's
XOR data for as many epochs as take T seconds on this machine alone (measured first), then
prints every prediction and the accuracy in the handout's format. Then it times the check as a TA types it, and prints the measured wall
time beside the ideal, N x T / cores: what the programs' training alone takes on these cores.
The difference is each program's start (Python, numpy) and printing, lab1's own work (unzipping,
reading the PDFs and the source, starting the workers), and whatever else the machine runs.
It also prints the programs' own times summed over the jobs: the wall time minus that is lab1's share.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from lab1.check.batch import cores
from lab1.check.handout import GENERATORS
from lab1.report.typst import compile_pdf

PROGRAM = (
    GENERATORS
    + """
import time
import numpy as np

def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))

x, y = generate_XOR_easy()
rng = np.random.default_rng(0)
W = [rng.standard_normal((2, 10)), rng.standard_normal((10, 10)), rng.standard_normal((10, 1))]
start, epoch = time.perf_counter(), 0
while epoch < EPOCHS if EPOCHS else time.perf_counter() - start < SECONDS:
    a = [x]
    for w in W:
        a.append(sigmoid(a[-1] @ w))
    if epoch % 1000 == 0:
        print(f"epoch {epoch} loss : {np.mean((a[-1] - y) ** 2)}")
    delta = 2 * (a[-1] - y) / len(y) * a[-1] * (1 - a[-1])
    for i in (2, 1, 0):
        grad = a[i].T @ delta
        delta = delta @ W[i].T * a[i] * (1 - a[i])
        W[i] -= 1.0 * grad
    epoch += 1
for i, (t, p) in enumerate(zip(y[:, 0], a[-1][:, 0])):
    print(f"Iter{i} |    Ground truth: {t} |     prediction: {p:.5f} |")
print(f"loss={np.mean((a[-1] - y) ** 2):.5f} accuracy={np.mean((a[-1] > 0.5) == y) * 100:.2f}%")
"""
)


def epochs_per_second(seconds: float = 1.0) -> float:
    """How fast the program trains here, alone: it runs for ``seconds`` of its own clock."""
    code = PROGRAM.replace("EPOCHS", "0").replace("SECONDS", repr(seconds)) + "\nprint('EPOCHS', epoch)\n"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[-1]) / seconds


def build(root: Path, n: int, seconds: float) -> Path:
    """N zips DL_LAB1_<id>_student<k>.zip under root/class, each with the program and report.pdf."""
    body = "\n".join(
        f"= {title}\nText." for title in ("Introduction", "Experiment setups", "Results of your testing")
    )
    report = compile_pdf(
        body + "\n= Discussion\nText.\n= Questions\nText.\n= Extra\nText.\n", root
    ).read_bytes()
    folder = root / "class"
    folder.mkdir()
    program = PROGRAM.replace("EPOCHS", str(round(epochs_per_second() * seconds))).replace("SECONDS", "0")
    for k in range(n):
        with zipfile.ZipFile(folder / f"DL_LAB1_{k:07d}_student{k}.zip", "w") as zf:
            zf.writestr("lab1.py", program)
            zf.writestr("report.pdf", report)
    return folder


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("--n", type=int, default=12, help="submissions")
    p.add_argument("--seconds", type=float, default=2.0, help="each program's training, seconds")
    p.add_argument(
        "--jobs", type=int, default=cores(), help="zips checked at once (lab1's default: the cores)"
    )
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = build(Path(tmp), args.n, args.seconds)
        cmd = [sys.executable, "-m", "lab1.check", str(folder), "--jobs", str(args.jobs)]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"failed: {' '.join(cmd)}\n{done.stderr[-2000:]}")
        out = Path(tmp) / done.stdout.rstrip().splitlines()[-1].removeprefix("lab1: wrote ")
        records = json.loads((out / "check.json").read_text())
    ok = sum(r["status"] == "ok" for r in records)
    program = sum(r["seconds"] for r in records) / len(records)
    ideal = args.n * args.seconds / args.jobs
    print(f"{args.n} submissions of about {args.seconds:g} s each, {args.jobs} at a time ({cores()} cores):")
    print(
        f"  measured {wall:.1f} s wall; ideal N x T / cores = {ideal:.1f} s; overhead {wall - ideal:+.1f} s"
    )
    print(
        f"  each program took {program:.2f} s on average (its {args.seconds:g} s and its start); {ok}/{len(records)} ok"
    )
    spent = sum(r["seconds"] for r in records) / args.jobs
    print(f"  the programs' own times / jobs = {spent:.1f} s: lab1's own share {wall - spent:+.1f} s")


if __name__ == "__main__":
    main()
