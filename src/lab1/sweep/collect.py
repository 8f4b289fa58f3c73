"""``python -m lab1.collect SWEEP_DIR``: rebuild a sweep's table, summary and figures.

The same function runs at the end of every multirun (see ``lab1.sweep.callbacks``).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lab1.job import console
from lab1.job.artifacts import SNAPSHOT, atomic_write
from lab1.sweep.results import Sweep, fmt, load_sweep
from lab1.sweep.summary import LOSS_ROSE, display, markdown, summarise


@dataclass
class Collected:
    """What one collection found and wrote."""

    sweep: Sweep
    files: list[Path]

    @property
    def counts(self) -> str:
        t = self.sweep.table
        failed = int((t["status"] == "failed").sum()) if not t.empty else 0
        return f"{len(t) - failed} finished, {failed} failed, {len(self.sweep.skipped)} skipped"


def summary_text(sweep: Sweep, summary: pd.DataFrame, figures: list[Path]) -> str:
    """summary.md: what was swept and what was fixed, the grouped table, the figures."""
    swept = ", ".join(sweep.axes) or "nothing but seeds and datasets"
    lines = [f"# Sweep summary: {sweep.root.name}", ""]
    if sweep.fixed:
        fixed = ", ".join(f"{key}={fmt(value)}" for key, value in sweep.fixed.items())
        lines += [f"Fixed: {fixed} (the same in every run).", ""]
    lines += [
        f"Swept: {swept}. Jobs: {len(sweep.table)} collected, {len(sweep.skipped)} skipped. "
        "Each row groups the seeds of one setting: mean ± std of the final loss and accuracy, "
        "how many seeds reached 100% accuracy, the median epoch at which they did, how many "
        f"ended with a finite loss above their initial loss (*{LOSS_ROSE}*), and how many diverged "
        "(their loss overflowed to infinity or NaN).",
        "",
    ]
    if not summary.empty:
        lines += [markdown(display(summary, sweep.axes, sweep.fixed)), ""]
    for path in figures:
        lines += [f"![{path.stem}]({path.name})", ""]
    if sweep.skipped:
        lines += ["Skipped job directories:", ""] + [f"- `{job}`: {why}" for job, why in sweep.skipped] + [""]
    return "\n".join(lines)


def collect(root: Path, figures: bool = True) -> Collected:
    """Write results.csv, summary.md and (unless ``figures`` is off) the figures for the sweep
    under ``root``."""
    sweep = load_sweep(root)
    for job, why in sweep.skipped:
        print(f"lab1.collect: warning: skipped {job}: {why}", file=sys.stderr)
    files = [root / "results.csv", root / "summary.md"]
    atomic_write(files[0], lambda p: sweep.table.to_csv(p, index=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        summary = summarise(sweep)
        drawn = []
        if figures:
            from lab1.sweep.figures import draw_sweep  # matplotlib loads only for a sweep that draws

            drawn = draw_sweep(sweep, summary, root)
    text = summary_text(sweep, summary, drawn)
    atomic_write(files[1], lambda p: p.write_text(text))
    return Collected(sweep, files + drawn)


def main(argv: list[str] | None = None) -> int:
    """Command line: collect one or more sweep directories."""
    console.protect_stdout()
    parser = argparse.ArgumentParser(prog="python -m lab1.collect", description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", nargs="+", type=Path, help="a multirun's directory")
    args = parser.parse_args(argv)
    for root in args.sweep_dir:
        if not root.is_dir():
            parser.exit(2, f"lab1.collect: error: {root} is not a directory\n")
        if not any(root.rglob(f"{SNAPSHOT}/config.yaml")):
            parser.exit(
                2, f"lab1.collect: error: {root} holds no job directories (none has {SNAPSHOT}/config.yaml)\n"
            )
    for root in args.sweep_dir:
        done = collect(root)
        console.emit(f"lab1.collect: {root}: {done.counts}; wrote {', '.join(p.name for p in done.files)}")
    return 0
