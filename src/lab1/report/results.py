"""Sections 1 and 3: the introduction, and the lowest seed of each dataset's baseline run as it
trained (``replay``): what ``python -m lab1`` prints, its figures, and its network as it learned.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import OmegaConf

from lab1.job import plots
from lab1.job.artifacts import SNAPSHOT
from lab1.report import figures
from lab1.report.blocks import Block, Figure, Heading, Para, Row, Table, Terminal
from lab1.report.findings import and_list
from lab1.report.replay import FRAMES, Replay, replay
from lab1.sweep.results import Sweep
from lab1.sweep.summary import LOSS_ROSE, display, summarise

TASK = (
    "The lab asks for a network with two hidden layers, written with numpy alone and trained by "
    "backpropagation, on two 2-D datasets: 100 random points that a line separates (`linear`) "
    'and the 21-point X-shaped "XOR easy" set (`xor`), @fig-datasets. Training and testing use '
    "the same data; an accuracy of 90% passes."
)


def first_runs(sweep: Sweep) -> dict[str, pd.Series]:
    """The lowest-seed finished run of each dataset."""
    finished = sweep.table[sweep.table["status"] != "failed"]
    return {dataset: rows.sort_values("seed").iloc[0] for dataset, rows in finished.groupby("dataset")}


def job_config(sweep: Sweep, job: pd.Series) -> Any:
    """The config a run of the sweep was trained with."""
    return OmegaConf.load(sweep.root / str(job["job"]) / SNAPSHOT / "config.yaml")


def introduction(baseline: Sweep, runs: int, seeds: int, epochs: int, out: Path) -> list[Block]:
    """Section 1: the task, both datasets, and how the experiments were run."""
    configs = [job_config(baseline, job).dataset for job in first_runs(baseline).values()]
    plots.save(figures.datasets(configs), out / "intro_datasets.png")
    return [
        Heading(1, "Introduction", "introduction"),
        Para(TASK),
        Figure("intro_datasets.png", "The two datasets of the handout, coloured by label.", "fig-datasets"),
        Para(
            "Section 2 explains the network and its backpropagation with its code; section 3 shows the "
            "lab network trained on both datasets; sections 4 to 6 change one thing at a time (the "
            "learning rate, the width, the activations, the initialisation, the optimizer, the "
            "layers) and compare the outcome."
        ),
        Para(
            f"Every setting was trained {epochs:,} epochs from each of {seeds} seeds (0 to {seeds - 1}), "
            f"without early stopping: {runs} runs in all, and every table, figure and number below "
            "comes from them. In the tables, *reached 100%* counts the seeds whose accuracy was 100% "
            f"at some epoch, *{LOSS_ROSE}* those whose final loss was finite but higher than before "
            "training, and *diverged* those whose loss overflowed to infinity or NaN."
        ),
    ]


def _accuracy(dataset: str, job: pd.Series) -> str:
    reached = (
        f", and first classified every sample right at epoch {job['epochs_to_100']:.0f}"
        if pd.notna(job["epochs_to_100"])
        else ""
    )
    return (
        f"On {dataset} (seed {job['seed']}) the network ends at an accuracy of {100 * job['accuracy']:.2f}% "
        f"after {job['epochs_run']} epochs{reached} (@lst-console-{dataset})."
    )


def _replayed(rp: Replay) -> str:
    exact = "bit for bit" if rp.drift == 0 else f"to within {rp.drift:.0e} of each weight"
    return f"trained again from its saved config, which ended on its saved weights {exact}"


@dataclass
class Shown:
    """What section 3 shows of one dataset's run, in the order of its subsections."""

    console: Terminal
    comparison: Figure
    accuracy: Para
    curve: Figure
    boundary: Figure
    frames: list[Block]


def shown(baseline: Sweep, dataset: str, job: pd.Series, out: Path) -> Shown:
    """One dataset's run trained again, drawn, and listed as it printed."""
    src = baseline.root / str(job["job"])
    rp = replay(src)
    r, seed = rp.result, f"{dataset}, seed {job['seed']}"
    return Shown(
        Terminal(rp.command, rp.console, f"What `{rp.command}` prints ({seed}).", f"lst-console-{dataset}"),
        figures.drawn(
            out,
            f"baseline_{dataset}_comparison.png",
            plots.comparison(r, seed),
            f"Ground truth beside the prediction, {seed}.",
            f"fig-comparison-{dataset}",
        ),
        Para(_accuracy(dataset, job)),
        figures.drawn(
            out,
            f"baseline_{dataset}_learning_curve.png",
            figures.mark_frames(plots.learning_curve(r, seed), rp.frames),
            f"Learning curve (loss and accuracy against epoch), {seed}; numbered: the epochs of the "
            f"frames in @fig-frames-{dataset}.",
            f"fig-curve-{dataset}",
        ),
        figures.drawn(
            out,
            f"baseline_{dataset}_decision_boundary.png",
            plots.decision_boundary(r, seed),
            f"The network's output over the input square and its 0.5 contour, {seed}.",
            f"fig-boundary-{dataset}",
        ),
        _frames(rp, out, dataset, seed),
    )


def experimental_results(baseline: Sweep, out: Path) -> list[Block]:
    """Section 3."""
    runs = [shown(baseline, dataset, job, out) for dataset, job in first_runs(baseline).items()]
    return [
        Heading(1, "Experimental results", "results"),
        Para(
            "The lab network (2-10-10-1, sigmoid, MSE, gradient descent at lr 0.1) with its default "
            "settings, on each dataset; the runs shown are seed 0's."
        ),
        Heading(2, "Screenshot and comparison figure"),
        Para(
            "Training prints the loss as it goes, then the prediction for every sample beside its "
            f"ground truth, and the accuracy ({', '.join(f'@{s.console.label}' for s in runs)})."
        ),
        *(s.console for s in runs),
        *(s.comparison for s in runs),
        Heading(2, "Accuracy of the prediction"),
        *(s.accuracy for s in runs),
        Heading(2, "Learning curve"),
        Row(tuple(s.curve for s in runs)),
        Heading(2, "Anything else"),
        Para(
            "Every seed of the baseline (@tab-baseline), the decision boundaries, and the network as it "
            "learned: for each dataset, its output at the epochs where its loss had fallen by "
            f"{_fractions()} of its whole fall, so the frames follow the learning rather than the clock."
        ),
        *(b for s in runs for b in s.frames),  # they float: the table and the boundaries flow around them
        Table(display(summarise(baseline), []), "The baseline over every seed.", "tab-baseline"),
        Row(tuple(s.boundary for s in runs)),
    ]


def _fractions() -> str:
    """``0, 20, 40, 60, 80 and 100%``: the falls of the loss the frames are chosen at."""
    return and_list([f"{round(100 * k / (FRAMES - 1))}" for k in range(FRAMES)]) + "%"


def _frames(rp: Replay, out: Path, dataset: str, seed: str) -> list[Block]:
    """The run's network at the epochs where its loss fell."""
    if not rp.frames:
        return []
    epochs = ", ".join(str(s.epoch) for s in rp.frames)
    return [
        figures.drawn(
            out,
            f"baseline_{dataset}_frames.png",
            figures.training_frames(rp.result, rp.frames),
            f"{len(rp.frames)} frames of the training, {seed}, at epochs {epochs} (numbered on "
            f"@fig-curve-{dataset}): the output over the input square, red near 0, blue near 1, black "
            f"the 0.5 boundary. The run was {_replayed(rp)}.",
            f"fig-frames-{dataset}",
            floating=True,
        )
    ]
