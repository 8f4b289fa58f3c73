"""``python -m lab1.report``: run what is missing of the report's sweeps, then write the report.

Each sweep of ``sweeps/`` runs as ``python -m lab1 +sweep=NAME`` into
``<out>/sweeps/<fidelity>/NAME``, ``--jobs`` of them at a time (two by default, the
longest first), so a second call reuses every finished job (and skips a sweep that
already completed with the same command). The report is
``<out>/report.md`` with its figures beside it; every number in it is read from the runs.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from hydra.core.override_parser.types import Quote, QuotedString

from lab1 import console, findings, interrupt
from lab1.results import Sweep, load_sweep
from lab1.summary import display, markdown, summarise


@dataclass(frozen=True)
class Section:
    """One part of the report and the sweep it is computed from."""

    sweep: str
    title: str
    intro: str
    find: Callable[[pd.DataFrame, list[str]], list[str]]


def _by_axis(summary: pd.DataFrame, axes: list[str]) -> list[str]:
    if len(axes) == 1:
        return findings.section_findings(summary, axes[0])
    return findings.pair_findings(summary, axes) if axes else []


DISCUSSION = (
    Section(
        "lr",
        "A. Different learning rates",
        "Plain gradient descent at learning rates from 1e-4 upwards.",
        _by_axis,
    ),
    Section(
        "hidden",
        "B. Different numbers of hidden units",
        "Both hidden layers set to the same width.",
        _by_axis,
    ),
    Section(
        "no_activation",
        "C. Without activation functions",
        "Hidden activation sigmoid or none (identity), output activation sigmoid or none; "
        "`none / none` is the fully linear network.",
        _by_axis,
    ),
    Section(
        "optimizers", "D1. Other optimizers", "Each optimizer at its own default learning rate.", _by_axis
    ),
    Section(
        "activations",
        "D2. Other activation functions",
        "The hidden activation; the output stays sigmoid.",
        _by_axis,
    ),
)
QUESTIONS = (
    ("What are the activation functions for?", "no_activation", findings.activation_answer),
    ("What happens if the learning rate is too large or too small?", "lr", findings.lr_answer),
    ("What are weights and biases for?", "bias", findings.bias_answer),
)
EXTRA = Section(
    "conv",
    "Extra: convolutional layers",
    "The lab's MLP (two hidden layers of 10) against a small CNN (8 filters of 3x3, sigmoid, "
    "then 10 hidden units) on 5x5 images of horizontal (label 0) and vertical (label 1) bars "
    "with noise, `dataset=bars`. Both see the same images, the MLP as 25 flat pixels.",
    _by_axis,
)
SWEEPS = ("baseline", *(s.sweep for s in DISCUSSION), "bias", EXTRA.sweep)
INTERRUPTED = "lab1.report: interrupted; every finished run is kept (run the same command again)"


# Relative cost of each sweep at the defaults (CPU seconds measured here, the baseline's
# runs copied): the report starts the longest first, so the last ones to start are short.
COST = {
    "hidden": 126,
    "optimizers": 50,
    "conv": 48,
    "lr": 45,
    "activations": 38,
    "no_activation": 21,
    "baseline": 20,
    "bias": 14,
}
# Every discussion sweep holds the baseline's runs (its default value at each seed), so
# these start once the baseline is done and copy those runs (``reuse=``) instead of
# training them again; conv (image data) shares none and starts beside the baseline.
REUSES_BASELINE = frozenset(SWEEPS) - {"baseline", "conv"}


def reuses_baseline(name: str, args: argparse.Namespace) -> bool:
    """Whether this sweep copies the baseline's runs (not with --fresh, which retrains all)."""
    return name in REUSES_BASELINE and not args.fresh


def order() -> list[str]:
    """The order sweeps start in: the baseline and what needs nothing, then the longest first."""
    return sorted(SWEEPS, key=lambda name: (name in REUSES_BASELINE, -COST.get(name, 0)))


def hydra_string(text: str) -> str:
    """``text`` as a quoted Hydra override value (a path with spaces, commas or quotes)."""
    return QuotedString(text, Quote.single).with_quotes()


def sweep_command(name: str, root: Path, args: argparse.Namespace) -> list[str]:
    """The ``python -m lab1`` command of one sweep."""
    cmd = [
        sys.executable,
        "-m",
        "lab1",
        f"+sweep={name}",
        f"hydra.sweep.dir={hydra_string(str(root))}",
        f"seed=range({args.seeds})",
        f"epochs={args.epochs}",
        "print_every=0",
        "progress=false",
    ]
    if reuses_baseline(name, args):
        cmd.append(f"reuse=[{hydra_string(str(root.parent / 'baseline'))}]")
    if args.launcher:
        cmd.append(f"launcher={args.launcher}")
    if args.fresh:
        cmd.append("resume=false")
    return cmd


def _last_line(path: Path) -> str:
    """The last non-empty line of a log (the sweep's own error message, if any)."""
    lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else "(empty log)"


@dataclass
class Runner:
    """The sweeps a report call has started, so Ctrl-C can stop them all."""

    stop: threading.Event = field(default_factory=threading.Event)  # start no more sweeps
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: set[subprocess.Popen] = field(default_factory=set)
    ended: dict[str, threading.Event] = field(default_factory=dict)  # by sweep name

    def _ended(self, name: str) -> threading.Event:
        with self.lock:
            event = self.ended.setdefault(name, threading.Event())
            if self.stop.is_set():  # stopping: nobody waits, even for a sweep never started
                event.set()
            return event

    def end(self, name: str) -> None:
        """Mark a sweep as over (finished, failed or skipped)."""
        self._ended(name).set()

    def wait_for(self, name: str) -> None:
        """Block until that sweep is over or the runner is stopping."""
        self._ended(name).wait()

    def run(self, cmd: list[str], log_path: Path, announce: str) -> int | None:
        """Run a sweep in its own session (Ctrl-C reaches it once, through ``interrupt``),
        its output appended to ``log_path``; its exit code, or None once stopping."""
        with self.lock:
            if self.stop.is_set():
                return None
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(log_path, "a") as log:  # the sweep keeps its own copy of the file
                proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            self.running.add(proc)
        print(announce, flush=True)
        code = proc.wait()
        with self.lock:
            self.running.discard(proc)
        return code

    def interrupt(self, grace: float = 15.0) -> None:
        """Start nothing more; pass Ctrl-C on to every running sweep and its workers, and
        end any still running after ``grace`` seconds (SIGTERM: a job cut off has no
        metrics.json yet, so nothing finished is lost)."""
        with self.lock:
            self.stop.set()
            procs = list(self.running)
            for event in self.ended.values():  # release sweeps waiting for another
                event.set()
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
        deadline = time.monotonic() + grace
        for proc in procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)


def run_sweep(name: str, root: Path, args: argparse.Namespace, runner: Runner) -> tuple[bool, str | None]:
    """Run one sweep unless it completed before with the same command (or the runner is
    stopping); returns (ran, error)."""
    cmd = sweep_command(name, root, args)
    marker = root / ".complete"
    key = " ".join(cmd[2:])
    if not args.fresh and marker.exists() and marker.read_text() == key:
        print(f"lab1.report: {name}: complete, reused", flush=True)
        return False, None
    log_path = root.parent / f"{name}.log"
    code = runner.run(cmd, log_path, f"lab1.report: {name}: running ({' '.join(cmd[2:4])} ...)")
    if code is None:  # an earlier sweep failed, or Ctrl-C: start nothing new
        return False, None
    if code != 0:
        runner.stop.set()
        return True, f"sweep {name} failed (exit {code}): {_last_line(log_path)}\n  full log: {log_path}"
    marker.write_text(key)
    return True, None


def run_sweeps(base: Path, args: argparse.Namespace) -> float:
    """Run the missing sweeps, ``args.jobs`` at a time, in ``order()``; returns wall seconds.

    A sweep that reuses the baseline's runs starts once the baseline is over. After a sweep
    fails no other starts; those already running finish and keep their runs, then the
    report exits with the failures. Ctrl-C stops every running sweep; each keeps its
    finished jobs, which the next call reuses.
    """
    runner = Runner()

    def one(name: str) -> tuple[bool, str | None]:
        try:
            if reuses_baseline(name, args):
                runner.wait_for("baseline")
            return run_sweep(name, base / name, args, runner)
        finally:
            runner.end(name)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(one, name) for name in order()]
        try:
            for _ in interrupt.as_completed(futures):
                pass
        except KeyboardInterrupt:
            runner.interrupt()
            raise
    done = [f.result() for f in futures]
    errors = [error for _, error in done if error]
    if errors:
        sys.exit("\n".join(f"lab1.report: error: {e}" for e in errors))
    return time.perf_counter() - start if any(ran for ran, _ in done) else 0.0


def _figures(sweep: Sweep, name: str, out: Path) -> list[str]:
    """Copy a sweep's figures next to the report; returns Markdown image lines."""
    lines = []
    for fig in ("learning_curves.png", "bars.png", "heatmap.png"):
        src = sweep.root / fig
        if src.exists():
            shutil.copyfile(src, out / f"{name}_{fig}")
            lines.append(f"![{name} {fig[:-4].replace('_', ' ')}]({name}_{fig})")
    return lines


def _baseline(sweep: Sweep, out: Path) -> list[str]:
    """Experimental results: figures, prediction listing and learning curve per dataset."""
    t = sweep.table
    lines = ["## 1. Experimental results", ""]
    summary = summarise(sweep)
    lines += [
        "The lab network (2-10-10-1, sigmoid, MSE, gradient descent) with the default settings, "
        "trained and tested on the same data. Over seeds:",
        "",
        markdown(display(summary, [])),
        "",
    ]
    for dataset in sorted(t["dataset"].unique()):
        rows = t[(t["dataset"] == dataset) & (t["status"] != "failed")].sort_values("seed")
        if rows.empty:
            continue
        job = rows.iloc[0]
        src = sweep.root / job["job"]
        lines += [f"### {dataset} (seed {job['seed']})", ""]
        for fig in ("comparison.png", "learning_curve.png", "decision_boundary.png"):
            if (src / fig).exists():
                shutil.copyfile(src / fig, out / f"baseline_{dataset}_{fig}")
                lines.append(f"![{dataset} {fig[:-4].replace('_', ' ')}](baseline_{dataset}_{fig})")
        pred = pd.read_csv(src / "predictions.csv")
        listing = [
            f"Iter{i} | Ground truth: {int(r.label)} | prediction: {r.probability:.5f}"
            for i, r in enumerate(pred.itertuples())
        ]
        listing.append(f"loss={job['loss']:.10g} accuracy={100 * job['accuracy']:.2f}%")
        lines += [
            "",
            f"Accuracy {100 * job['accuracy']:.2f}% after {job['epochs_run']} epochs"
            + (
                f", 100% first reached at epoch {job['epochs_to_100']:.0f}."
                if pd.notna(job["epochs_to_100"])
                else "."
            ),
            "",
            "<details><summary>Prediction of every sample</summary>",
            "",
            "```",
            *listing,
            "```",
            "",
            "</details>",
            "",
        ]
    return lines


def _filters(sweep: Sweep, out: Path) -> list[str]:
    """The learned filters of the first CNN run."""
    t = sweep.table
    if t.empty or "model" not in t.columns:
        return []
    cnn = t[(t["model"] == "cnn") & (t["status"] != "failed")].sort_values("seed")
    if cnn.empty or not (sweep.root / cnn.iloc[0]["job"] / "filters.png").exists():
        return []
    shutil.copyfile(sweep.root / cnn.iloc[0]["job"] / "filters.png", out / "conv_filters.png")
    return [
        f"Learned filters of the CNN (seed {cnn.iloc[0]['seed']}):",
        "",
        "![conv filters](conv_filters.png)",
        "",
    ]


def _section(section: Section, sweep: Sweep, out: Path) -> list[str]:
    summary = summarise(sweep)
    lines = [f"### {section.title}", "", section.intro, ""]
    if summary.empty:
        return lines + ["No finished runs.", ""]
    lines += [markdown(display(summary, sweep.axes)), ""]
    lines += [*_figures(sweep, section.sweep, out), ""]
    lines += ["**Findings.** " + " ".join(section.find(summary, sweep.axes)), ""]
    return lines


def write_report(sweeps: dict[str, Sweep], out: Path, args: argparse.Namespace, seconds: float) -> Path:
    """Assemble report.md from the collected sweeps."""
    runs = sum(len(s.table) for s in sweeps.values())
    lines = [
        "# Lab 1: back-propagation, report",
        "",
        f"Generated by `python -m lab1.report --epochs {args.epochs} --seeds {args.seeds}` from {runs} runs "
        f"(seeds 0 to {args.seeds - 1}, {args.epochs} epochs each, early stopping off). "
        "Every table, figure and number below is computed from those runs; "
        f"this call spent {seconds:.0f} s running the sweeps. Training and testing use the same data, as the handout says. "
        "In the tables, *reached 100%* counts the seeds whose accuracy was 100% at some epoch, and "
        "*diverged* those whose loss overflowed to infinity or NaN.",
        "",
    ]
    lines += _baseline(sweeps["baseline"], out)
    lines += ["## 2. Discussion", ""]
    for section in DISCUSSION:
        lines += _section(section, sweeps[section.sweep], out)
    lines += _section(EXTRA, sweeps[EXTRA.sweep], out)
    lines += _filters(sweeps[EXTRA.sweep], out)
    lines += ["## 3. Questions", ""]
    bias = sweeps["bias"]
    lines += [markdown(display(summarise(bias), bias.axes)), "", *_figures(bias, "bias", out), ""]
    for i, (question, name, answer) in enumerate(QUESTIONS, 1):
        summary = summarise(sweeps[name])
        text = " ".join(answer(summary)) if not summary.empty else "No finished runs."
        lines += [f"**{i}. {question}** (from the `{name}` sweep) {text}", ""]
    path = out / "report.md"
    path.write_text("\n".join(lines))
    return path


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Command-line flags."""
    p = argparse.ArgumentParser(prog="python -m lab1.report", description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=20000, help="epochs of every run (default 20000)")
    p.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 per setting (default 5)")
    p.add_argument("--out", type=Path, default=Path("outputs/report"), help="report directory")
    p.add_argument(
        "--launcher", default=None, help="launcher of the sweeps: vectorized (default), basic, joblib, ..."
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="sweeps run at a time (default 2; each sweep also uses every core)",
    )
    p.add_argument("--fresh", action="store_true", help="retrain every run instead of reusing finished ones")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error(f"--epochs {args.epochs}: must be an integer >= 1")
    if args.jobs < 1:
        p.error(f"--jobs {args.jobs}: must be an integer >= 1")
    if args.seeds < 1:
        p.error(f"--seeds {args.seeds}: must be an integer >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the missing sweeps, collect them, write the report."""
    console.protect_stdout()
    args = parse(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    base = out / "sweeps" / f"epochs{args.epochs}_seeds{args.seeds}"
    seconds = run_sweeps(base, args)
    sweeps = {name: load_sweep(base / name) for name in SWEEPS}
    path = write_report(sweeps, out, args, seconds)
    print(f"lab1.report: wrote {path}")
    return 0


def cli() -> None:
    """``main`` with Ctrl-C, at any point, as one line and exit 130."""
    with interrupt.ends_with(INTERRUPTED):
        code = main()
    sys.exit(code)


if __name__ == "__main__":
    cli()
