"""Write ``report.md`` from the collected sweeps: every number in it is read from the runs."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lab1.report import findings
from lab1.sweep.results import Sweep
from lab1.sweep.summary import LOSS_ROSE, display, markdown, summarise


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
            # pandas-stubs type itertuples fields as any scalar, some of which int() refuses
            f"Iter{i} | Ground truth: {int(r.label)} "  # type: ignore[arg-type]
            f"| prediction: {r.probability:.5f}"
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
        "In the tables, *reached 100%* counts the seeds whose accuracy was 100% at some epoch, "
        f"*{LOSS_ROSE}* those whose final loss was finite but higher than before training, and "
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
