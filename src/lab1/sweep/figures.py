"""Figures comparing the settings of a sweep: overlaid learning curves, bars or a heatmap."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import colors, ticker  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from lab1.job.plots import PRINT_WIDTH, loggable, loss_scale, save  # noqa: E402
from lab1.sweep.results import Sweep, fmt, label, sort_key  # noqa: E402

DATASET_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple")


def _settings(table: pd.DataFrame, axes: list[str]) -> list[tuple]:
    """Distinct swept settings in sorted order."""
    if not axes:
        return [()]
    rows = table[axes].drop_duplicates().to_numpy().tolist()
    return sorted((tuple(r) for r in rows), key=lambda r: tuple(sort_key(v) for v in r))


LINE_STYLES = ("-", "--", ":", "-.")
NOTHING_REACHED = "no run reached 100% accuracy"


def _style(i: int) -> tuple[Any, str]:
    """Colour and line style of the i-th setting: tab10's ten colours in order, then the
    same colours again with the next line style, so no two of 40 settings look alike."""
    cmap = plt.get_cmap("tab10")
    return cmap(i % 10), LINE_STYLES[(i // 10) % len(LINE_STYLES)]


def _nothing(ax: Axes, text: str) -> None:
    """A panel with nothing to plot says so in words: no ticks, frame or colour bar."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(0.5, 0.5, text, transform=ax.transAxes, ha="center", va="center", fontsize=10, color="0.3")


def _title_axes(axes: list[str]) -> str:
    return " x ".join(axes) if axes else "seeds only"


def _name(setting: tuple, axes: list[str]) -> str:
    """A setting as a legend entry: its value for one swept key, ``key=value, ...`` for more."""
    return fmt(setting[0]) if len(axes) == 1 else label(dict(zip(axes, setting)), axes)


def _curves(sweep: Sweep, table: pd.DataFrame, dataset: str, setting: tuple) -> pd.DataFrame | None:
    """The loss histories of one setting's runs on one dataset, a column per run, with only
    what a log axis can show (NaN elsewhere); None if that is not a line (two epochs or more)."""
    mask = (table["dataset"] == dataset).to_numpy() & _of(table, sweep.axes, setting)
    jobs = [j for j in table.loc[mask, "job"] if j in sweep.histories]
    if not jobs:
        return None
    curves = pd.concat({j: sweep.histories[j].set_index("epoch")["loss"] for j in jobs}, axis=1)
    values = loggable(curves.to_numpy(dtype=np.float64))
    if (~np.isnan(values)).any(axis=1).sum() < 2:
        return None
    return pd.DataFrame(values, index=curves.index)


def undrawn(sweep: Sweep) -> list[str]:
    """``setting (dataset)`` of every setting with no loss a log axis can show (every seed
    diverged at once, say): the learning curves name them instead of drawing them."""
    table = sweep.table[sweep.table["status"] != "failed"]
    out = []
    for dataset in sorted(table["dataset"].unique(), key=sort_key):
        rows = table[table["dataset"] == dataset]
        for setting in _settings(rows, sweep.axes):
            if _curves(sweep, rows, dataset, setting) is None:
                out.append(f"{_name(setting, sweep.axes)} ({dataset})")
    return out


LEGEND_CHARS = 100  # characters across the text width at the legend's size, handles included
EPOCH_TICKS = ticker.FuncFormatter(lambda v, _: f"{v / 1000:g}k" if abs(v) >= 1000 else f"{v:g}")


def learning_curves_figure(sweep: Sweep) -> Figure:
    """Loss against epoch: one panel per dataset, one line per setting (mean over seeds,
    min-max band), the legend under the panels. A setting with nothing to draw is not in
    the legend; a note under it names the setting (see ``undrawn``)."""
    table = sweep.table[sweep.table["status"] != "failed"]
    datasets = sorted(table["dataset"].unique(), key=sort_key)
    settings = _settings(table, sweep.axes)
    width = PRINT_WIDTH * min(1.0, 0.3 + 0.35 * len(datasets))  # one dataset: no wider than it needs
    fig, panels = plt.subplots(1, len(datasets), figsize=(width, 2.9), squeeze=False, layout="constrained")
    seeds = table.groupby(["dataset", *sweep.axes]).size().max()
    handles: dict[str, Line2D] = {}
    for ax, dataset in zip(panels[0], datasets):
        for i, setting in enumerate(settings):
            color, style = _style(i)
            curves = _curves(sweep, table, dataset, setting)
            if curves is None:
                continue
            values = curves.to_numpy()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: nothing to draw there
                mean, lo, hi = np.nanmean(values, 1), np.nanmin(values, 1), np.nanmax(values, 1)
            (line,) = ax.plot(curves.index, mean, color=color, ls=style, lw=1.4)
            if values.shape[1] > 1:
                ax.fill_between(curves.index, lo, hi, color=color, alpha=0.15, lw=0)
            handles.setdefault(_name(setting, sweep.axes), line)
        loss_scale(ax, np.array([v for line in ax.get_lines() for v in np.asarray(line.get_ydata(), float)]))
        ax.set_title(f"dataset: {dataset}", fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss" + (" (log scale)" if ax.get_yscale() == "log" else ""))
        ax.xaxis.set_major_locator(ticker.MaxNLocator(5))
        ax.xaxis.set_major_formatter(EPOCH_TICKS)
        ax.grid(alpha=0.3)
    order = [n for n in (_name(s, sweep.axes) for s in settings) if n in handles]
    per_row = int(LEGEND_CHARS * width / PRINT_WIDTH) // (max(map(len, order), default=1) + 6)
    missing = undrawn(sweep)
    title = _title_axes(sweep.axes)
    if missing:
        title += "\n" + textwrap.fill("not drawn, no loss to draw: " + ", ".join(missing), 100)
    legend: dict[str, Any] = dict(loc="outside lower center", fontsize=8, title_fontsize=8, frameon=False)
    fig.legend(
        [handles[n] for n in order], order, ncol=max(1, min(len(order), per_row)), title=title, **legend
    )
    band = f"mean over up to {seeds} seeds, band from min to max" if seeds > 1 else "one seed per setting"
    fig.suptitle(f"Learning curves, swept: {_title_axes(sweep.axes)}\n({band})", fontsize=9)
    return fig


def _of(rows: pd.DataFrame, axes: list[str], setting: tuple) -> np.ndarray:
    """Which of ``rows`` have this setting of the swept ``axes``."""
    mask = np.ones(len(rows), dtype=bool)
    for axis, value in zip(axes, setting):
        mask &= (rows[axis] == value).to_numpy()
    return mask


def _per_setting(rows: pd.DataFrame, axes: list[str], settings: list[tuple], col: str) -> list[float]:
    """``col`` of each setting in ``rows`` (one dataset), NaN where the setting has no row."""
    masks = [_of(rows, axes, s) for s in settings]
    return [float(rows.loc[m, col].iloc[0]) if m.any() else np.nan for m in masks]


def bars_figure(summary: pd.DataFrame, axes: list[str]) -> Figure:
    """Final accuracy and median epochs to 100% per setting, one bar per dataset."""
    datasets = sorted(summary["dataset"].unique(), key=sort_key)
    settings = _settings(summary, axes)
    names = [_name(s, axes) for s in settings]
    x = np.arange(len(settings))
    width = 0.8 / len(datasets)
    fig, (ax_acc, ax_ep) = plt.subplots(1, 2, figsize=(PRINT_WIDTH, 2.8), layout="constrained")
    reached = bool(np.isfinite(pd.to_numeric(summary["epochs_to_100_median"], errors="coerce")).any())
    for i, (dataset, color) in enumerate(zip(datasets, DATASET_COLORS * 4)):
        rows = summary[summary["dataset"] == dataset]
        acc = 100 * np.array(_per_setting(rows, axes, settings, "accuracy_mean"))
        err = 100 * np.array(_per_setting(rows, axes, settings, "accuracy_std"))
        epochs = _per_setting(rows, axes, settings, "epochs_to_100_median")
        pos = x - 0.4 + width * (i + 0.5)
        ax_acc.bar(pos, acc, width, yerr=np.nan_to_num(err), capsize=2, color=color, label=dataset)
        if not reached:
            continue
        ax_ep.bar(pos, np.nan_to_num(epochs), width, color=color, label=dataset)
        for p, e in zip(pos, epochs):
            if not np.isfinite(e):
                ax_ep.text(p, 0, "never", rotation=90, ha="center", va="bottom", fontsize=7, color="0.3")
    ax_acc.set_ylim(0, 105)
    ax_acc.axhline(90, color="0.5", ls="--", lw=0.8)
    ax_acc.set_ylabel("final accuracy (%)\nmean ± std over seeds")
    ax_ep.set_ylabel("median epochs\nto 100% accuracy")
    ax_ep.yaxis.set_major_formatter(EPOCH_TICKS)
    tilt = sum(len(n) + 3 for n in names) > 32  # side by side, more would run together
    # tilted, more than ten labels in a panel's width overlap their neighbours: upright then
    rotation = 90 if len(names) > 10 else 35 if tilt else 0
    for ax in (ax_acc, ax_ep):
        ax.set_xticks(x, names, rotation=rotation, ha="right" if rotation == 35 else "center", fontsize=8)
        ax.set_xlabel(_title_axes(axes))
        ax.grid(axis="y", alpha=0.3)
    if not reached:
        _nothing(ax_ep, f"median epochs to 100% accuracy:\n{NOTHING_REACHED}\n(in any seed or setting)")
    # the legend goes outside the panels, where it covers no bar
    fig.legend(
        *ax_acc.get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize=8, frameon=False
    )
    fig.suptitle(f"Outcome per setting, swept: {_title_axes(axes)} (dashed: the 90% pass mark)", fontsize=9)
    return fig


def _cells(ax: Axes, m: np.ndarray, scale: float) -> None:
    """Each cell's value as text, "never" where it has none."""
    box = {"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0}
    for (i, j), v in np.ndenumerate(m):
        text = "never" if not np.isfinite(v) else f"{v:.0f}" if scale == 1 else f"{v:.1f}"
        ax.text(j, i, text, ha="center", va="center", fontsize=7.5, color="k", bbox=box)


# accuracy below 100% takes RdYlGn up to light green; its darkest green is kept for exactly
# 100% (every seed right), so a cell at 99% never looks like one at 100%
_GREENS = plt.get_cmap("RdYlGn")
ACCURACY_CMAP = colors.ListedColormap(_GREENS(np.linspace(0, 0.8, 256))).with_extremes(over=_GREENS(1.0))
BELOW_100 = float(np.nextafter(100.0, 0.0))  # the top of the colour scale: 100 itself is "over"
HEAT_METRICS = (  # column, title, scale, colour map, limits (None: the data's), colour bar label
    ("accuracy_mean", "final accuracy (%)", 100.0, ACCURACY_CMAP, (0, BELOW_100), "▲ = 100%"),
    ("epochs_to_100_median", "median epochs to 100%", 1.0, "viridis_r", None, ""),
)


def heatmap_figure(summary: pd.DataFrame, axes: list[str]) -> Figure:
    """Two swept axes: mean final accuracy and median epochs to 100%, one row per dataset.
    An epochs panel whose every cell would read "never" says so in words instead."""
    a, b = axes
    datasets = sorted(summary["dataset"].unique(), key=sort_key)
    rows_v = sorted(summary[a].unique(), key=sort_key)
    cols_v = sorted(summary[b].unique(), key=sort_key)
    if len(cols_v) > len(rows_v):  # the longer axis down the page, where a row adds height, not squeeze
        a, b, rows_v, cols_v = b, a, cols_v, rows_v
    # side by side, a panel's cells hold four values each ("never", "100.0"); more columns
    # get the text's whole width, the two panels one above the other
    stacked = len(cols_v) > 4
    height = (0.4 * len(rows_v) + 1.25) * len(datasets) * (2 if stacked else 1) + 0.3
    shape = (2 * len(datasets), 1) if stacked else (len(datasets), 2)
    fig, panels = plt.subplots(*shape, figsize=(PRINT_WIDTH, height), squeeze=False, layout="constrained")
    grid = panels.reshape(len(datasets), 2)
    for row, dataset in zip(grid, datasets):
        sub = summary[summary["dataset"] == dataset]
        for ax, (col, title, scale, cmap, limits, bar_label) in zip(row, HEAT_METRICS):
            m = np.full((len(rows_v), len(cols_v)), np.nan)
            for _, r in sub.iterrows():
                m[rows_v.index(r[a]), cols_v.index(r[b])] = scale * r[col]
            ax.set_title(f"{dataset}: {title}", fontsize=9)
            if not np.isfinite(m).any() and limits is None:  # every cell "never": no scale to show
                _nothing(ax, NOTHING_REACHED)
                continue
            finite = m[np.isfinite(m)]
            vmin, vmax = limits or ((finite.min(), finite.max()) if finite.size else (0, 1))
            ax.set_facecolor("0.9")  # cells with no value ("never")
            im = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
            _cells(ax, m, scale)
            ax.set_xticks(range(len(cols_v)), [fmt(v) for v in cols_v])
            ax.set_yticks(range(len(rows_v)), [fmt(v) for v in rows_v])
            ax.set_xlabel(b)
            ax.set_ylabel(a)
            bar = fig.colorbar(im, ax=ax, shrink=0.9, extend="max" if limits else "neither", label=bar_label)
            if limits:  # the scale stops just below 100: its ticks too
                bar.set_ticks([t for t in bar.get_ticks() if t < limits[1]])
            bar.ax.yaxis.set_major_formatter(EPOCH_TICKS)
    fig.suptitle(f"Outcome per setting, swept: {a} x {b} (mean / median over seeds)", fontsize=9)
    return fig


def draw_sweep(sweep: Sweep, summary: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Every sweep figure into ``out_dir``; returns their paths."""
    if sweep.table.empty or (sweep.table["status"] == "failed").all():
        return []
    two = len(sweep.axes) == 2  # two swept axes: a heatmap; else bars
    paths = [out_dir / "learning_curves.png", out_dir / ("heatmap.png" if two else "bars.png")]
    save(learning_curves_figure(sweep), paths[0])
    save((heatmap_figure if two else bars_figure)(summary, sweep.axes), paths[1])
    return paths
