"""Every figure the report prints, drawn as lab1 draws it: no wider than the text, no text
under 7 pt at that size, no two tick labels overlapping, frames three to a row, a legend
that lists only what is drawn, and 100% a colour of its own."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from lab1.job import plots  # noqa: E402
from lab1.job.plots import PRINT_WIDTH, SMALLEST_FONT  # noqa: E402
from lab1.job.population import train_configs  # noqa: E402
from lab1.nn.snapshots import learning_epochs  # noqa: E402
from lab1.report import figures  # noqa: E402
from lab1.sweep import figures as sweep_figures  # noqa: E402
from lab1.sweep.results import Sweep  # noqa: E402
from lab1.sweep.summary import summarise  # noqa: E402
from tests.helpers import make_cfg  # noqa: E402

EPOCHS = 20000  # the report's: five-digit epoch ticks are the widest


def _run(*overrides: str, snapshots: tuple[int, ...] | None = None, stretch: int = 1):
    """A short run; ``stretch`` multiplies its history's epochs (a 200-epoch run drawn as
    one of 200 * stretch epochs: the figures read only its history)."""
    (r,) = train_configs([make_cfg("epochs=200", "print_every=0", *overrides)], snapshot_epochs=snapshots)
    return dataclasses.replace(r, history={**r.history, "epoch": r.history["epoch"] * stretch})


def _sweep(tmp: Path) -> Sweep:
    """Seven learning rates on two datasets, two seeds, 20,000 epochs; lr=100 overflowed at
    once on xor (nothing to draw), lr=10 at epoch 4000 on linear."""
    rng = np.random.default_rng(0)
    epochs = np.arange(0, EPOCHS + 1, 20)
    rows, histories = [], {}
    for dataset, lr, seed in itertools.product(
        ("linear", "xor"), (1e-4, 1e-3, 1e-2, 0.1, 1.0, 10.0, 100.0), (0, 1)
    ):
        job = f"dataset={dataset},lr={lr},seed={seed}"
        loss = 0.25 * np.exp(-epochs * lr / 2000) + 1e-3 * rng.random()
        diverged = (lr == 100 and dataset == "xor") or (lr == 10 and dataset == "linear")
        if diverged:
            loss[1 if lr == 100 else 200 :] = np.nan
        acc = 0.5 + 0.5 * (lr >= 0.1) * (not diverged)
        histories[job] = pd.DataFrame({"epoch": epochs, "loss": loss, "accuracy": np.full(len(epochs), acc)})
        rows.append(
            {
                "job": job,
                "dataset": dataset,
                "lr": lr,
                "seed": seed,
                "status": "diverged" if diverged else "ok",
                "loss": None if diverged else float(loss[-1]),
                "initial_loss": 0.25,
                "accuracy": acc - 0.01 * seed * (lr == 0.1),  # lr=0.1: 100% and 99% (a mean of 99.5%)
                "epochs_to_100": 500.0 if acc == 1 else None,
            }
        )
    return Sweep(tmp, pd.DataFrame(rows), ["lr"], histories)


def _one(sweep: Sweep) -> Sweep:
    """The sweep on its first dataset only (as the CNN's, on bars)."""
    table = sweep.table[sweep.table["dataset"] == "linear"]
    return Sweep(sweep.root, table, sweep.axes, {j: sweep.histories[j] for j in table["job"]})


def _pair_summary() -> pd.DataFrame:
    """A two-key sweep's summary with means of exactly 100% and just below it."""
    rows = []
    for dataset, a, b in itertools.product(("linear", "xor"), ("none", "sigmoid"), ("none", "sigmoid")):
        acc = {("none", "none"): 0.5, ("none", "sigmoid"): 0.995, ("sigmoid", "none"): 0.99}.get((a, b), 1.0)
        rows.append(
            {
                "dataset": dataset,
                "activation": a,
                "output_activation": b,
                "accuracy_mean": acc,
                "epochs_to_100_median": 8890.0 if acc == 1 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _many_summary() -> pd.DataFrame:
    """The summary of bench_sweep's sweep: 16 learning rates on xor, four-digit labels."""
    lrs = [float(f"{0.05 * 1.25**i:.4g}") for i in range(16)]
    return pd.DataFrame(
        {
            "dataset": "xor",
            "lr": lrs,
            "accuracy_mean": np.linspace(0.6, 1.0, 16),
            "accuracy_std": 0.05,
            "epochs_to_100_median": [np.nan] * 10 + [1800.0 - 200 * i for i in range(6)],
        }
    )


def _grid_summary(lrs: int, widths: int) -> pd.DataFrame:
    """A learning rate x hidden sweep's summary on two datasets, "never" in most cells."""
    rows = []
    for dataset, i, h in itertools.product(("linear", "xor"), range(lrs), [2, 5, 10, 20, 50, 100][:widths]):
        lr = float(f"{0.05 * 1.25**i:.4g}")
        acc = min(1.0, 0.5 + lr * h / 20)
        median = 1000 / lr if acc == 1 else np.nan
        rows.append(
            {"dataset": dataset, "lr": lr, "hidden": h, "accuracy_mean": acc, "epochs_to_100_median": median}
        )
    return pd.DataFrame(rows)


FIGURES: dict[str, Callable[[Path], Figure]] = {
    "comparison": lambda tmp: plots.comparison(_run("dataset=linear"), "linear, seed 0"),
    "learning curve": lambda tmp: plots.learning_curve(_run(stretch=EPOCHS // 200), "xor, seed 0"),
    "learning curve, learned": lambda tmp: plots.learning_curve(_run("lr=10", stretch=EPOCHS // 200), "xor"),
    "decision boundary": lambda tmp: plots.decision_boundary(_run(), "xor, seed 0"),
    "image comparison": lambda tmp: plots.image_comparison(_run("dataset=bars", "model=cnn"), "bars, seed 0"),
    "filters": lambda tmp: plots.filters(_run("dataset=bars", "model=cnn").params["W1"], "bars, seed 0"),
    "sweep learning curves": lambda tmp: sweep_figures.learning_curves_figure(_sweep(tmp)),
    "sweep learning curves, one dataset": lambda tmp: sweep_figures.learning_curves_figure(_one(_sweep(tmp))),
    "sweep bars": lambda tmp: sweep_figures.bars_figure(summarise(_sweep(tmp)), ["lr"]),
    "sweep bars, 16 settings": lambda tmp: sweep_figures.bars_figure(_many_summary(), ["lr"]),
    "sweep heatmap, 8 x 6": lambda tmp: sweep_figures.heatmap_figure(_grid_summary(8, 6), ["lr", "hidden"]),
    "sweep heatmap, 4 x 16": lambda tmp: sweep_figures.heatmap_figure(_grid_summary(16, 4), ["hidden", "lr"]),
    "sweep heatmap": lambda tmp: sweep_figures.heatmap_figure(
        _pair_summary(), ["activation", "output_activation"]
    ),
}


def _tick_labels(axis) -> list[Text]:
    """The tick labels an axis draws: of its ticks inside its limits (as matplotlib draws them)."""
    if not axis.axes.axison:  # an axes drawn without its axes: no ticks
        return []
    ticks = axis._update_ticks()  # a test may ask matplotlib which ticks it draws
    labels = [label for tick in ticks for label in (tick.label1, tick.label2)]
    return [t for t in labels if t.get_visible() and t.get_text().strip()]


def _texts(fig: Figure) -> list[Text]:
    """Every text the figure draws."""
    axes = [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)]
    ticks = {id(t) for axis in axes for t in axis.get_ticklabels(which="both")}
    drawn = [t for axis in axes for t in _tick_labels(axis)]
    return drawn + [
        t for t in fig.findobj(Text) if id(t) not in ticks and t.get_visible() and t.get_text().strip()
    ]


def _tick_boxes(fig: Figure) -> list[list]:
    """Per axis of every axes (colour bars too), the window boxes of the tick labels it draws."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    axes = [axis for ax in fig.axes for axis in (ax.xaxis, ax.yaxis)]
    return [[(t.get_text(), t.get_window_extent(renderer)) for t in _tick_labels(axis)] for axis in axes]


def _labels(fig: Figure) -> list[Text]:
    """The texts that name things (titles, axis and tick labels, legends), not data labels."""
    out: list[Text] = [fig._suptitle] if fig._suptitle is not None else []  # type: ignore[attr-defined]
    for ax in fig.axes:
        out += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]  # type: ignore[attr-defined]
        out += [*_tick_labels(ax.xaxis), *_tick_labels(ax.yaxis)]
    for legend in [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]:
        out += [legend.get_title(), *legend.get_texts()]
    return [t for t in out if t.get_visible() and t.get_text().strip()]


def check_print(fig: Figure) -> None:
    """The report's rules for a figure printed at its own size: no wider than the text, no
    text under 7 pt or cut by the figure's edge, no two labels, tick labels or texts in a
    panel overlapping."""
    fig.canvas.draw()
    width = fig.get_size_inches()[0]
    assert width <= PRINT_WIDTH + 1e-6, f"{width:.2f} in is wider than the text"
    small = [(t.get_text(), t.get_fontsize()) for t in _texts(fig) if t.get_fontsize() < SMALLEST_FONT]
    assert not small, small
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    page = fig.bbox.padded(1)
    cut = [t.get_text() for t in _texts(fig) if not _inside(t.get_window_extent(renderer), page)]
    assert not cut, f"cut by the figure's edge: {cut}"
    for boxes in _tick_boxes(fig):
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
            assert not box_a.overlaps(box_b), f"tick labels {a!r} and {b!r} overlap"
    labels = [(t.get_text(), t.get_window_extent(renderer)) for t in _labels(fig)]
    for (a, box_a), (b, box_b) in itertools.combinations(labels, 2):
        assert not box_a.overlaps(box_b), f"{a!r} and {b!r} overlap"
    for ax in fig.axes:  # the texts written in a panel (a heatmap's cells, "never" over a bar)
        written = [(t.get_text(), _drawn_box(t, renderer)) for t in ax.texts if t.get_visible()]
        for (a, box_a), (b, box_b) in itertools.combinations(written, 2):
            assert not box_a.overlaps(box_b), f"{a!r} and {b!r} overlap in a panel"


def _drawn_box(text: Text, renderer):
    """What a text covers: its box when it has one (a heatmap cell's), else its glyphs."""
    patch = text.get_bbox_patch()
    return patch.get_window_extent(renderer) if patch is not None else text.get_window_extent(renderer)


def _inside(box, page) -> bool:
    return box.x0 >= page.x0 and box.y0 >= page.y0 and box.x1 <= page.x1 and box.y1 <= page.y1


@pytest.mark.parametrize("name", FIGURES)
def test_each_figure_prints_at_its_size_with_readable_labels(name, tmp_path):
    check_print(FIGURES[name](tmp_path))


def test_the_overlap_check_sees_tick_labels_run_together():
    """The check itself: ten five-digit ticks on a narrow axis do overlap."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2.0, 1.5))
    ax.plot([0, EPOCHS], [0, 1])
    ax.set_xticks(np.linspace(0, EPOCHS, 9))
    fig.canvas.draw()
    assert any(
        a.overlaps(b) for boxes in _tick_boxes(fig) for (_, a), (_, b) in itertools.combinations(boxes, 2)
    )


def test_the_report_figures_print_at_their_size():
    r = _run(snapshots=(0, 10, 50, 100, 150, 200), stretch=EPOCHS // 200)
    for fig in (
        figures.datasets([make_cfg("dataset=linear").dataset, make_cfg().dataset]),
        figures.sigmoid(),
        figures.architecture([2, 10, 10, 1], ["sigmoid"] * 3, 151),
        figures.mark_frames(plots.learning_curve(r, "xor, seed 0"), r.snapshots),
    ):
        check_print(fig)
    frames = figures.training_frames(r, r.snapshots)
    check_print(frames)
    columns = {round(ax.get_position().x0, 3) for ax in frames.axes if ax.axison}
    assert len(frames.axes) == 6 and len(columns) == 3  # six frames, three to a row


def test_the_filters_are_at_least_half_the_text_wide():
    fig = plots.filters(_run("dataset=bars", "model=cnn").params["W1"], "bars, seed 0")
    assert fig.get_size_inches()[0] >= PRINT_WIDTH / 2


def test_a_legend_lists_only_the_lines_drawn(tmp_path):
    sweep = _sweep(tmp_path)
    fig = sweep_figures.learning_curves_figure(sweep)
    (legend,) = fig.legends
    entries = [t.get_text() for t in legend.get_texts()]
    assert entries == ["0.0001", "0.001", "0.01", "0.1", "1", "10", "100"]  # lr=100 is drawn on linear
    assert sweep_figures.undrawn(sweep) == ["100 (xor)"]
    assert "100 (xor)" in legend.get_title().get_text()
    assert len(fig.axes[1].get_lines()) == 6  # xor: every setting but lr=100


def test_heatmap_keeps_a_colour_for_exactly_100_percent():
    fig = sweep_figures.heatmap_figure(_pair_summary(), ["activation", "output_activation"])
    accuracy = fig.axes[0].images[0]  # linear: final accuracy
    m = np.asarray(accuracy.get_array())
    colours = {float(v): tuple(accuracy.to_rgba(np.array([[v]]))[0, 0]) for v in m.ravel()}
    full = colours.pop(100.0)
    assert set(colours) == {50.0, 99.5, 99.0}
    assert all(c != full for c in colours.values())  # 99.5% and 99% never look like 100%


def test_frames_follow_the_fall_of_the_loss():
    epochs = np.arange(0, 20001, 20)
    loss = 0.26 - 0.25 / (1 + np.exp(-(epochs - 7000) / 800))  # flat, then learning, then flat
    picked = learning_epochs(epochs, loss)
    assert picked[0] == 0 and picked[-1] == 20000 and len(picked) == 6
    fallen = (loss[0] - loss[np.searchsorted(epochs, picked)]) / (loss[0] - loss.min())
    assert np.allclose(fallen[1:-1], [0.2, 0.4, 0.6, 0.8], atol=0.02)
    assert 4000 < picked[1] < picked[4] < 10000  # the learning, not the flat start
    flat = learning_epochs(epochs, np.full(len(epochs), 0.3))  # no fall: spread out instead
    assert len(flat) == 6 and flat[0] == 0 and flat[-1] == 20000
