"""Sections 4 to 6: discussion, questions and extra, each computed from its sweeps' runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from lab1.job import plots
from lab1.job.artifacts import SNAPSHOT
from lab1.job.run import describe
from lab1.report import figures, findings, no_activation
from lab1.report.blocks import Block, Figure, Heading, Para, Table
from lab1.sweep.figures import bars_figure, heatmap_figure, learning_curves_figure, undrawn
from lab1.sweep.results import Sweep
from lab1.sweep.summary import display, summarise

Sweeps = dict[str, Sweep]


@dataclass(frozen=True)
class Section:
    """One part of the report and the sweep it is computed from (``build``: how, if not ``part``)."""

    sweep: str
    title: str
    intro: str
    build: Callable[[Section, Sweeps, Path], list[Block]] | None = None


DISCUSSION = (
    Section("lr", "Different learning rates", "Plain gradient descent at learning rates from 1e-4 upwards."),
    Section("hidden", "Different numbers of hidden units", "Both hidden layers set to the same width."),
    Section(
        "no_activation",
        "Without activation functions",
        "The hidden layers' sigmoid and the output's sigmoid, each kept or removed (`none`, the "
        "identity); with neither, the network is fully linear.",
        lambda section, sweeps, out: linear_part(section, sweeps, out),
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
    evidence: Callable[[Sweeps], list[str]]
    own_table: bool  # its sweep's table is shown here, not in the discussion


def _summarised(name: str, sentences: Callable[[pd.DataFrame], list[str]]) -> Callable[[Sweeps], list[str]]:
    """Evidence computed from one sweep's summary."""
    return lambda sweeps: sentences(summarise(sweeps[name])) if not sweeps[name].table.empty else []


QUESTIONS = (
    Question(
        "What are the activation functions for?",
        "They make the network non-linear. Without them every layer is an affine map, a stack of "
        "affine maps is one affine map, and the network can only draw a straight boundary; the "
        "sigmoid output also turns the score into a probability between 0 and 1.",
        "no_activation",
        lambda sweeps: no_activation.activation_answer(no_activation.study(sweeps)),
        False,
    ),
    Question(
        "What happens if the learning rate is too large or too small?",
        "Too small, and every update barely moves the weights: training is slow and stops far from "
        "a solution in the epochs given. Too large, and updates overshoot: the loss oscillates or "
        "grows, sigmoid units saturate so their gradients vanish, or the loss diverges.",
        "lr",
        _summarised("lr", findings.lr_answer),
        False,
    ),
    Question(
        "What are weights and biases for?",
        "The weights scale and combine a unit's inputs, so they set the direction of its boundary; "
        "the bias shifts it away from the origin. Without biases every boundary of the first layer "
        "passes through the origin.",
        "bias",
        _summarised("bias", findings.bias_answer),
        True,
    ),
)
SWEEPS = (
    "baseline",
    *(s.sweep for s in DISCUSSION),
    no_activation.LR_SWEEP,
    *(s.sweep for s in EXTRA),
    "bias",
)
CURVES = "Learning curves (mean over seeds, min-max band)"


def _not_drawn(sweep: Sweep) -> str:
    """The caption's note of settings with no curve to draw (the legend leaves them out)."""
    missing = undrawn(sweep)
    return f" Not drawn, having no loss to draw: {', '.join(missing)}." if missing else ""


def sweep_figures(sweep: Sweep, name: str, summary: pd.DataFrame, out: Path) -> list[Block]:
    """A sweep's learning curves and its outcome per setting (bars; a heatmap for two swept keys)."""
    file, outcome, per = (
        (f"{name}_heatmap.png", heatmap_figure(summary, sweep.axes), "per pair of settings")
        if len(sweep.axes) == 2
        else (f"{name}_bars.png", bars_figure(summary, sweep.axes), "per setting")
    )
    return [
        figures.drawn(
            out,
            f"{name}_learning_curves.png",
            learning_curves_figure(sweep),
            f"{CURVES}, `{name}` sweep.{_not_drawn(sweep)}",
        ),
        figures.drawn(
            out, file, outcome, f"Final accuracy and epochs to 100% accuracy {per}, `{name}` sweep."
        ),
    ]


CAPTIONS = {no_activation.LR_SWEEP: "The fully linear network at learning rates of its own (`{name}` sweep)."}


def table(sweep: Sweep, name: str, summary: pd.DataFrame) -> list[Block]:
    """The sweep's summary over seeds as a numbered table."""
    if summary.empty:
        return [Para("No finished runs.")]
    caption = CAPTIONS.get(name, "The `{name}` sweep over seeds.").format(name=name)
    return [Table(display(summary, sweep.axes), caption, f"tab-{name}")]


def part(section: Section, sweeps: Sweeps, out: Path) -> list[Block]:
    """One discussion or extra subsection: intro, table, figures, findings."""
    sweep = sweeps[section.sweep]
    summary = summarise(sweep)
    blocks: list[Block] = [
        Heading(2, section.title),
        Para(section.intro),
        *table(sweep, section.sweep, summary),
    ]
    if summary.empty:
        return blocks
    blocks += sweep_figures(sweep, section.sweep, summary, out)
    found = findings.section_findings(summary, sweep.axes[0]) if len(sweep.axes) == 1 else []
    return [*blocks, Para("**Findings.** " + " ".join(found))]


def linear_part(section: Section, sweeps: Sweeps, out: Path) -> list[Block]:
    """Discussion C: the four networks, and under them the fully linear one's sweep of rates."""
    s = no_activation.study(sweeps)
    blocks: list[Block] = [Heading(2, section.title), Para(section.intro)]
    if s.summary.empty:
        return [*blocks, Para("No finished runs.")]
    frame = no_activation.display_lr(s, display(s.summary, [no_activation.AXIS]))
    name, lr_name = no_activation.SWEEP, no_activation.LR_SWEEP
    curves = learning_curves_figure(s.sweep)
    return [
        *blocks,
        Table(frame, "The four networks over seeds, each at the learning rate shown.", f"tab-{name}"),
        figures.drawn(
            out, f"{name}_learning_curves.png", curves, f"{CURVES}, the four networks.{_not_drawn(s.sweep)}"
        ),
        *table(sweeps[lr_name], lr_name, s.rates),
        Para("**Findings.** " + " ".join(no_activation.findings(s))),
    ]


def filters(sweep: Sweep, out: Path) -> list[Block]:
    """The learned filters of the first CNN run, drawn from its params.npz (the sweep draws no per-run figure)."""
    t = sweep.table
    if t.empty or "model" not in t.columns:
        return []
    cnn = t[(t["model"] == "cnn") & (t["status"] != "failed")].sort_values("seed")
    if cnn.empty:
        return []
    caption = f"Learned filters of the CNN, seed {cnn.iloc[0]['seed']}."
    run_dir = sweep.root / cnn.iloc[0]["job"]
    title = describe(OmegaConf.load(run_dir / SNAPSHOT / "config.yaml"))  # type: ignore[arg-type]
    plots.save(plots.filters(np.load(run_dir / "params.npz")["W1"], title), out / "conv_filters.png")
    return [Figure("conv_filters.png", caption, "fig-conv-filters")]


def _parts(heading: Heading, sections: tuple[Section, ...], sweeps: Sweeps, out: Path) -> list[Block]:
    return [heading, *(b for s in sections for b in (s.build or part)(s, sweeps, out))]


def discussion(sweeps: Sweeps, out: Path) -> list[Block]:
    """Section 4."""
    return _parts(Heading(1, "Discussion", "discussion"), DISCUSSION, sweeps, out)


def questions(sweeps: Sweeps, out: Path) -> list[Block]:
    """Section 5: each question answered, then the evidence of its sweep, its table under it."""
    blocks: list[Block] = [Heading(1, "Questions", "questions")]
    for q in QUESTIONS:
        sweep = sweeps[q.sweep]
        summary = summarise(sweep)
        evidence = " ".join(q.evidence(sweeps)) or "No finished runs."
        where = "below" if q.own_table else f"@tab-{q.sweep}"
        blocks += [Heading(2, q.title), Para(q.answer), Para(f"**From the runs** ({where}). {evidence}")]
        if q.own_table:
            blocks += [*table(sweep, q.sweep, summary), *sweep_figures(sweep, q.sweep, summary, out)]
    return blocks


def extra(sweeps: Sweeps, out: Path) -> list[Block]:
    """Section 6."""
    return [*_parts(Heading(1, "Extra", "extra"), EXTRA, sweeps, out), *filters(sweeps["conv"], out)]
