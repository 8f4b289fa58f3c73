"""Figures comparing the settings of a sweep: overlaid learning curves, bars or a heatmap."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from lab1.job.plots import LOSS_CEILING, LOSS_FLOOR  # noqa: E402
from lab1.sweep.results import Sweep, fmt, label, sort_key  # noqa: E402

DATASET_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple")


def _settings(table: pd.DataFrame, axes: list[str]) -> list[tuple]:
    """Distinct swept settings in sorted order."""
    if not axes:
        return [()]
    rows = table[axes].drop_duplicates().to_numpy().tolist()
    return sorted((tuple(r) for r in rows), key=lambda r: tuple(sort_key(v) for v in r))


def _colors(n: int, numeric: bool) -> list:
    cmap = plt.get_cmap("viridis" if numeric else "tab10" if n <= 10 else "tab20")
    if numeric:
        return [cmap(x) for x in np.linspace(0.0, 0.9, max(n, 1))]
    return [cmap(i % cmap.N) for i in range(n)]


def _numeric(table: pd.DataFrame, axes: list[str]) -> bool:
    if len(axes) != 1:
        return False
    return bool(pd.to_numeric(table[axes[0]], errors="coerce").notna().all())


def _title_axes(axes: list[str]) -> str:
    return " x ".join(axes) if axes else "seeds only"


def learning_curves(sweep: Sweep, path: Path) -> None:
    """Loss against epoch: one panel per dataset, one line per setting (mean over seeds, min-max band)."""
    table = sweep.table[sweep.table["status"] != "failed"]
    datasets = sorted(table["dataset"].unique(), key=sort_key)
    settings = _settings(table, sweep.axes)
    colors = _colors(len(settings), _numeric(table, sweep.axes))
    fig, panels = plt.subplots(
        1, len(datasets), figsize=(5.2 * len(datasets) + 2.2, 4.4), squeeze=False, constrained_layout=True
    )
    seeds = (
        table.groupby(["dataset", *sweep.axes]).size().max()
        if sweep.axes
        else table.groupby("dataset").size().max()
    )
    handles: dict[str, Line2D] = {}
    for ax, dataset in zip(panels[0], datasets):
        for setting, color in zip(settings, colors):
            mask = table["dataset"] == dataset
            for axis, value in zip(sweep.axes, setting):
                mask &= table[axis] == value
            jobs = [j for j in table.loc[mask, "job"] if j in sweep.histories]
            if not jobs:
                continue
            curves = pd.concat({j: sweep.histories[j].set_index("epoch")["loss"] for j in jobs}, axis=1)
            values = curves.to_numpy(dtype=np.float64)
            values = np.where(
                np.isfinite(values) & (values <= LOSS_CEILING), np.maximum(values, LOSS_FLOOR), np.nan
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: nothing to draw there
                mean, lo, hi = np.nanmean(values, 1), np.nanmin(values, 1), np.nanmax(values, 1)
            name = (
                fmt(setting[0]) if len(sweep.axes) == 1 else label(dict(zip(sweep.axes, setting)), sweep.axes)
            )
            (line,) = ax.plot(curves.index, mean, color=color, lw=1.4)
            if len(jobs) > 1:
                ax.fill_between(curves.index, lo, hi, color=color, alpha=0.15, lw=0)
            handles.setdefault(name, line)
        ax.set_yscale("log")
        ax.set_title(f"dataset: {dataset}")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss (log scale)")
        ax.grid(alpha=0.3)
    fig.legend(
        handles.values(),
        handles.keys(),
        loc="outside right upper",
        title=_title_axes(sweep.axes),
        fontsize=8,
        title_fontsize=9,
        frameon=False,
    )
    band = f"mean over up to {seeds} seeds, band from min to max" if seeds > 1 else "one seed per setting"
    fig.suptitle(
        f"Learning curves, swept: {_title_axes(sweep.axes)}\n({band})", fontsize=10
    )  # two lines: clear of the legend
    fig.savefig(path, dpi=110)
    plt.close(fig)


def bars(summary: pd.DataFrame, axes: list[str], path: Path) -> None:
    """Final accuracy and median epochs to 100% per setting, one bar per dataset."""
    datasets = sorted(summary["dataset"].unique(), key=sort_key)
    settings = _settings(summary, axes)
    names = [label(dict(zip(axes, s)), axes) if axes else "all runs" for s in settings]
    if len(axes) == 1:
        names = [fmt(s[0]) for s in settings]
    x = np.arange(len(settings))
    width = 0.8 / len(datasets)
    fig, (ax_acc, ax_ep) = plt.subplots(
        1, 2, figsize=(min(18.0, max(9.0, 1.2 * len(settings) + 4)), 4.6), constrained_layout=True
    )
    for i, (dataset, color) in enumerate(zip(datasets, DATASET_COLORS * 4)):
        rows = summary[summary["dataset"] == dataset]
        acc, err, epochs = [], [], []
        for s in settings:
            m = np.ones(len(rows), dtype=bool)
            for axis, value in zip(axes, s):
                m &= (rows[axis] == value).to_numpy()
            r = rows[m]
            acc.append(100 * r["accuracy_mean"].iloc[0] if len(r) else np.nan)
            err.append(100 * r["accuracy_std"].iloc[0] if len(r) else np.nan)
            epochs.append(r["epochs_to_100_median"].iloc[0] if len(r) else np.nan)
        pos = x - 0.4 + width * (i + 0.5)
        ax_acc.bar(pos, acc, width, yerr=np.nan_to_num(err), capsize=2, color=color, label=dataset)
        ax_ep.bar(pos, np.nan_to_num(epochs), width, color=color, label=dataset)
        for p, e in zip(pos, epochs):
            if not np.isfinite(e):
                ax_ep.text(p, 0, "never", rotation=90, ha="center", va="bottom", fontsize=7, color="0.3")
    ax_acc.set_ylim(0, 105)
    ax_acc.axhline(90, color="0.5", ls="--", lw=0.8)
    ax_acc.set_ylabel("final accuracy (%), mean ± std over seeds")
    ax_ep.set_ylabel("median epochs to 100% accuracy")
    for ax in (ax_acc, ax_ep):
        ax.set_xticks(
            x, names, rotation=30 if len(settings) > 4 else 0, ha="right" if len(settings) > 4 else "center"
        )
        ax.set_xlabel(_title_axes(axes))
        ax.grid(axis="y", alpha=0.3)
    # outside the panels: inside, it covered bars
    fig.legend(
        *ax_acc.get_legend_handles_labels(),
        title="dataset",
        loc="outside right upper",
        fontsize=8,
        frameon=False,
    )
    fig.suptitle(f"Outcome per setting, swept: {_title_axes(axes)} (dashed: the 90% pass mark)", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def heatmap(summary: pd.DataFrame, axes: list[str], path: Path) -> None:
    """Two swept axes: mean final accuracy and median epochs to 100%, one row per dataset."""
    a, b = axes
    datasets = sorted(summary["dataset"].unique(), key=sort_key)
    rows_v = sorted(summary[a].unique(), key=sort_key)
    cols_v = sorted(summary[b].unique(), key=sort_key)
    fig, grid = plt.subplots(
        len(datasets),
        2,
        figsize=(
            max(9.0, 1.3 * len(cols_v) * 2 + 3),
            0.55 * len(rows_v) * len(datasets) + 1.6 * len(datasets),
        ),
        squeeze=False,
        constrained_layout=True,
    )
    metrics = (
        ("accuracy_mean", "final accuracy (%)", 100.0, "RdYlGn", (0, 100)),
        ("epochs_to_100_median", "median epochs to 100%", 1.0, "viridis_r", None),
    )
    for row, dataset in zip(grid, datasets):
        sub = summary[summary["dataset"] == dataset]
        for ax, (col, title, scale, cmap, limits) in zip(row, metrics):
            m = np.full((len(rows_v), len(cols_v)), np.nan)
            for _, r in sub.iterrows():
                m[rows_v.index(r[a]), cols_v.index(r[b])] = scale * r[col]
            vmin, vmax = (
                limits
                if limits
                else (
                    np.nanmin(m) if np.isfinite(m).any() else 0,
                    np.nanmax(m) if np.isfinite(m).any() else 1,
                )
            )
            ax.set_facecolor("0.9")  # cells with no value ("never")
            im = ax.imshow(m, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
            for i in range(len(rows_v)):
                for j in range(len(cols_v)):
                    text = (
                        "never"
                        if not np.isfinite(m[i, j])
                        else f"{m[i, j]:.0f}"
                        if scale == 1
                        else f"{m[i, j]:.1f}"
                    )
                    box = {"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7, "lw": 0}
                    ax.text(j, i, text, ha="center", va="center", fontsize=8, color="k", bbox=box)
            ax.set_xticks(range(len(cols_v)), [fmt(v) for v in cols_v])
            ax.set_yticks(range(len(rows_v)), [fmt(v) for v in rows_v])
            ax.set_xlabel(b)
            ax.set_ylabel(a)
            ax.set_title(f"{dataset}: {title}", fontsize=9)
            fig.colorbar(im, ax=ax, shrink=0.85)
    fig.suptitle(f"Outcome per setting, swept: {a} x {b} (mean / median over seeds)", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def draw_sweep(sweep: Sweep, summary: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Every sweep figure into ``out_dir``; returns their paths."""
    if sweep.table.empty or (sweep.table["status"] == "failed").all():
        return []
    paths = [out_dir / "learning_curves.png"]
    learning_curves(sweep, paths[0])
    if len(sweep.axes) == 2:
        paths.append(out_dir / "heatmap.png")
        heatmap(summary, sweep.axes, paths[-1])
    else:
        paths.append(out_dir / "bars.png")
        bars(summary, sweep.axes, paths[-1])
    return paths
