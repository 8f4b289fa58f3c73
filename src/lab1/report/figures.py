"""The report's own figures (both datasets, the sigmoid, the architecture, training frames), drawn
from the runs or the code at the size they are printed (``lab1.job.plots``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lab1.data import make_dataset  # noqa: E402
from lab1.job import plots  # noqa: E402
from lab1.job.plots import PRINT_WIDTH  # noqa: E402
from lab1.job.population import MemberResult, Snapshot  # noqa: E402
from lab1.nn.activations import ACTIVATIONS  # noqa: E402
from lab1.nn.network import predict  # noqa: E402
from lab1.report.blocks import Figure  # noqa: E402


def drawn(out: Path, name: str, fig: Any, caption: str, label: str = "", floating: bool = False) -> Figure:
    """``fig`` saved next to the report as ``name``, as a numbered figure (label ``fig-<name>``)."""
    plots.save(fig, out / name)
    return Figure(name, caption, label or f"fig-{name[:-4]}", floating)


def datasets(configs: list[Any]) -> plt.Figure:
    """Each dataset's points coloured by label, side by side."""
    fig, axes = plt.subplots(1, len(configs), figsize=(0.8 * PRINT_WIDTH, 2.7), layout="constrained")
    for ax, cfg in zip(np.atleast_1d(axes), configs):
        data = make_dataset(cfg, 0)
        for label, marker, colour in ((0, "o", "tab:red"), (1, "s", "tab:blue")):
            pts = data.X[data.y == label]
            ax.scatter(pts[:, 0], pts[:, 1], s=18, marker=marker, c=colour, label=f"label {label}")
        ax.set(title=f"{cfg.name} ({len(data.y)} points)", xlabel="x0", ylabel="x1", aspect="equal")
    handles, labels = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", fontsize=8, frameon=False)  # clear of the points
    return fig


def sigmoid() -> plt.Figure:
    """σ and σ' over [-8, 8], computed by lab1's own sigmoid and its backward."""
    fn = ACTIVATIONS["sigmoid"]
    z = np.linspace(-8, 8, 401)
    a = fn.forward(z, np.empty_like(z), 0.0, (np.empty_like(z), np.empty_like(z)))
    da = fn.backward(z, a, np.ones_like(z), np.empty_like(z), 0.0, np.empty_like(z))
    fig, ax = plt.subplots(figsize=(5.2, 2.8), layout="constrained")
    ax.plot(z, a, label="σ(x) = 1 / (1 + e^(-x))")
    ax.plot(z, da, label="σ'(x) = σ(x) (1 - σ(x))")
    ax.set(xlabel="x", ylabel="value", ylim=(-0.05, 1.05))
    ax.grid(alpha=0.3)
    ax.legend(loc="center right", fontsize=8)
    return fig


def architecture(sizes: list[int], activations: list[str], params: int) -> plt.Figure:
    """The network as columns of units, every layer's width and activation under it."""
    fig, ax = plt.subplots(figsize=(6.4, 2.9), layout="constrained")
    shown = [min(s, 10) for s in sizes]
    xs = np.arange(len(sizes)) * 2.0
    for i, (x, n) in enumerate(zip(xs, shown)):
        ys = np.linspace(-(n - 1) / 2, (n - 1) / 2, n)
        if i + 1 < len(sizes):
            m = shown[i + 1]
            nxt = np.linspace(-(m - 1) / 2, (m - 1) / 2, m)
            for y in ys:
                ax.plot([x, x + 2.0] * m, np.ravel([[y, t] for t in nxt]), color="0.8", lw=0.4, zorder=1)
        ax.scatter([x] * n, ys, s=90, c="white", edgecolors="tab:blue", zorder=2)
        name = "input" if i == 0 else "output" if i == len(sizes) - 1 else f"hidden {i}"
        act = "" if i == 0 else f"\n{activations[i - 1]}"
        ax.text(x, -5.9, f"{name}\n{sizes[i]} units{act}", ha="center", va="top", fontsize=8)
    ax.set_title(f"{'-'.join(map(str, sizes))} network, {params} parameters", fontsize=10)
    ax.set(xlim=(-1, xs[-1] + 1), ylim=(-8.6, 5.6))
    ax.axis("off")
    return fig


FRAMES_PER_ROW = 3


def training_frames(r: MemberResult, frames: list[Snapshot], resolution: int = 120) -> plt.Figure:
    """The network's output over the input square at each frame's epoch, ``FRAMES_PER_ROW`` to a row."""
    X, y = r.dataset.X, r.dataset.y
    gx, gy, grid = plots.boundary_grid(X, resolution)
    rows = -(-len(frames) // FRAMES_PER_ROW)
    fig, axes = plt.subplots(
        rows, FRAMES_PER_ROW, figsize=(PRINT_WIDTH, 2.15 * rows), squeeze=False, layout="constrained"
    )
    for ax in axes.flat:
        ax.set_axis_off()
    for k, (ax, s) in enumerate(zip(axes.flat, frames)):
        prob = predict(r.spec, s.params, grid).reshape(gx.shape)
        ax.contourf(gx, gy, np.clip(prob, 0, 1), levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.75)
        if np.nanmin(prob) < 0.5 < np.nanmax(prob):
            ax.contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=1.0)
        for cls, color in enumerate(plots.CLASS_COLORS):
            pts = X[y == cls]
            ax.scatter(pts[:, 0], pts[:, 1], c=color, s=10, edgecolors="k", linewidths=0.3)
        ax.set_axis_on()
        ax.set(xticks=[], yticks=[], aspect="equal")
        ax.set_title(
            f"({k + 1}) epoch {s.epoch}\nloss {s.loss:.3g}, accuracy {100 * s.accuracy:.0f}%", fontsize=8
        )
    return fig


def mark_frames(fig: Any, frames: list[Snapshot], apart: float = 0.06) -> Any:
    """Number the frames on a learning curve's loss panel; close frames share a label (``1-4``)."""
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    groups: list[list[int]] = []
    for k, s in enumerate(frames):
        ax.plot([s.epoch], [s.loss], "o", color="k", ms=3.5, zorder=3)
        if groups and (s.epoch - frames[groups[-1][0]].epoch) / (hi - lo) < apart:
            groups[-1].append(k)
        else:
            groups.append([k])
    for group in groups:
        first = frames[group[0]]
        text = f"{group[0] + 1}" if len(group) == 1 else f"{group[0] + 1}-{group[-1] + 1}"
        ax.annotate(text, (first.epoch, first.loss), textcoords="offset points", xytext=(3, 3), fontsize=8)
    return fig
