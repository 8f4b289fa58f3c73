"""Sections 4 to 6: discussion, questions and extra, each computed from one sweep's runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from lab1.report import figures, findings
from lab1.report.blocks import Block, Heading, Para, Table
from lab1.sweep.results import Sweep
from lab1.sweep.summary import display, summarise


@dataclass(frozen=True)
class Section:
    """One part of the report and the sweep it is computed from."""

    sweep: str
    title: str
    intro: str


DISCUSSION = (
    Section("lr", "Different learning rates", "Plain gradient descent at learning rates from 1e-4 upwards."),
    Section("hidden", "Different numbers of hidden units", "Both hidden layers set to the same width."),
    Section(
        "no_activation",
        "Without activation functions",
        "Hidden activation sigmoid or none (identity), output activation sigmoid or none; "
        "`none / none` is the fully linear network.",
    ),
    Section(
        "init",
        "Anything else: weight initialisation",
        "The lab's standard normal weights against Xavier's uniform and He's normal scaling.",
    ),
)
EXTRA = (
    Section("optimizers", "Optimizers", "Each optimizer at its own default learning rate."),
    Section("activations", "Activation functions", "The hidden activation; the output stays sigmoid."),
    Section(
        "conv",
        "Convolutional layers",
        "The lab's MLP (two hidden layers of 10) against a small CNN (8 filters of 3x3, sigmoid, "
        "then 10 hidden units) on 5x5 images of horizontal (label 0) and vertical (label 1) bars "
        "with noise, `dataset=bars`. Both see the same images, the MLP as 25 flat pixels.",
    ),
)


@dataclass(frozen=True)
class Question:
    """A question of the handout: its short answer, and the sweep whose runs are the evidence."""

    title: str
    answer: str
    sweep: str
    evidence: Callable[[pd.DataFrame], list[str]]
    own_table: bool  # its sweep's table is shown here, not in the discussion


QUESTIONS = (
    Question(
        "What are the activation functions for?",
        "They make the network non-linear. Without them every layer is an affine map, a stack of "
        "affine maps is one affine map, and the network can only draw a straight boundary; the "
        "sigmoid output also turns the score into a probability between 0 and 1.",
        "no_activation",
        findings.activation_answer,
        False,
    ),
    Question(
        "What happens if the learning rate is too large or too small?",
        "Too small, and every update barely moves the weights: training is slow and stops far from "
        "a solution in the epochs given. Too large, and updates overshoot: the loss oscillates or "
        "grows, sigmoid units saturate so their gradients vanish, or the loss diverges.",
        "lr",
        findings.lr_answer,
        False,
    ),
    Question(
        "What are weights and biases for?",
        "The weights scale and combine a unit's inputs, so they set the direction of its boundary; "
        "the bias shifts it away from the origin. Without biases every boundary of the first layer "
        "passes through the origin.",
        "bias",
        findings.bias_answer,
        True,
    ),
)
SWEEPS = ("baseline", *(s.sweep for s in DISCUSSION), *(s.sweep for s in EXTRA), "bias")


def _findings(summary: pd.DataFrame, axes: list[str]) -> list[str]:
    if len(axes) == 1:
        return findings.section_findings(summary, axes[0])
    return findings.pair_findings(summary, axes) if axes else []


def sweep_figures(sweep: Sweep, name: str, out: Path) -> list[Block]:
    """Copy a sweep's figures next to the report, as numbered figures."""
    blocks: list[Block] = []
    captions = {
        "learning_curves.png": "Learning curves (mean over seeds, min-max band)",
        "bars.png": "Final accuracy and epochs to 100% accuracy per setting",
        "heatmap.png": "Final accuracy and epochs to 100% accuracy per pair of settings",
    }
    for fig, caption in captions.items():
        blocks += figures.copied(
            sweep.root / fig, out, f"{name}_{fig}", f"{caption}, `{name}` sweep.", f"fig-{name}-{fig[:-4]}"
        )
    return blocks


def table(sweep: Sweep, name: str, summary: pd.DataFrame) -> list[Block]:
    """The sweep's summary over seeds as a numbered table."""
    if summary.empty:
        return [Para("No finished runs.")]
    return [Table(display(summary, sweep.axes), f"The `{name}` sweep over seeds.", f"tab-{name}")]


def part(section: Section, sweep: Sweep, out: Path) -> list[Block]:
    """One discussion or extra subsection: intro, table, figures, findings."""
    summary = summarise(sweep)
    blocks: list[Block] = [
        Heading(2, section.title),
        Para(section.intro),
        *table(sweep, section.sweep, summary),
    ]
    if summary.empty:
        return blocks
    blocks += sweep_figures(sweep, section.sweep, out)
    return [*blocks, Para("**Findings.** " + " ".join(_findings(summary, sweep.axes)))]


def filters(sweep: Sweep, out: Path) -> list[Block]:
    """The learned filters of the first CNN run."""
    t = sweep.table
    if t.empty or "model" not in t.columns:
        return []
    cnn = t[(t["model"] == "cnn") & (t["status"] != "failed")].sort_values("seed")
    if cnn.empty:
        return []
    caption = f"Learned filters of the CNN, seed {cnn.iloc[0]['seed']}."
    src = sweep.root / cnn.iloc[0]["job"] / "filters.png"
    return list(figures.copied(src, out, "conv_filters.png", caption, "fig-conv-filters", "70%"))


def discussion(sweeps: dict[str, Sweep], out: Path) -> list[Block]:
    """Section 4."""
    blocks: list[Block] = [Heading(1, "Discussion", "discussion")]
    for section in DISCUSSION:
        blocks += part(section, sweeps[section.sweep], out)
    return blocks


def questions(sweeps: dict[str, Sweep], out: Path) -> list[Block]:
    """Section 5: each question answered, then the evidence of its sweep, its table under it."""
    blocks: list[Block] = [Heading(1, "Questions", "questions")]
    for q in QUESTIONS:
        sweep = sweeps[q.sweep]
        summary = summarise(sweep)
        evidence = " ".join(q.evidence(summary)) if not summary.empty else "No finished runs."
        where = "below" if q.own_table else f"@tab-{q.sweep}"
        blocks += [Heading(2, q.title), Para(q.answer), Para(f"**From the runs** ({where}). {evidence}")]
        if q.own_table:
            blocks += [*table(sweep, q.sweep, summary), *sweep_figures(sweep, q.sweep, out)]
    return blocks


def extra(sweeps: dict[str, Sweep], out: Path) -> list[Block]:
    """Section 6."""
    blocks: list[Block] = [Heading(1, "Extra", "extra")]
    for section in EXTRA:
        blocks += part(section, sweeps[section.sweep], out)
    return [*blocks, *filters(sweeps["conv"], out)]
