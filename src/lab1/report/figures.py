"""The report's own figures: both datasets, the sigmoid, the architecture, animation frames.

Each is drawn from the runs or the code, at ``lab1.job.plots.DPI`` as every figure is.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from lab1.data import make_dataset  # noqa: E402
from lab1.job.plots import DPI  # noqa: E402
from lab1.nn.activations import ACTIVATIONS  # noqa: E402
from lab1.report.blocks import Figure  # noqa: E402


def copied(src: Path, out: Path, name: str, caption: str, label: str, width: str = "100%") -> list[Figure]:
    """A run's or sweep's figure copied next to the report as ``name``, as a numbered
    figure; none if the run did not draw it."""
    if not src.is_file():
        return []
    shutil.copyfile(src, out / name)
    return [Figure(name, caption, label, width)]


def _save(fig: Any, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def datasets(configs: list[Any], path: Path) -> Path:
    """Each dataset's points coloured by label, side by side."""
    fig, axes = plt.subplots(1, len(configs), figsize=(3.4 * len(configs), 3.4), layout="constrained")
    for ax, cfg in zip(np.atleast_1d(axes), configs):
        data = make_dataset(cfg, 0)
        for label, marker, colour in ((0, "o", "tab:red"), (1, "s", "tab:blue")):
            pts = data.X[data.y == label]
            ax.scatter(pts[:, 0], pts[:, 1], s=18, marker=marker, c=colour, label=f"label {label}")
        ax.set(title=f"{cfg.name} ({len(data.y)} points)", xlabel="x0", ylabel="x1", aspect="equal")
        ax.legend(loc="upper right", fontsize=7, framealpha=0.9)
    return _save(fig, path)


def sigmoid(path: Path) -> Path:
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
    return _save(fig, path)


def architecture(sizes: list[int], activations: list[str], params: int, path: Path) -> Path:
    """The network as columns of units, every layer's width and activation under it."""
    fig, ax = plt.subplots(figsize=(6.4, 3.2), layout="constrained")
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
    return _save(fig, path)


def strip(gif: Path, path: Path, frames: int = 6) -> Path | None:
    """``frames`` frames of an animation, evenly spaced, in a row; None without the GIF."""
    from PIL import Image

    if not gif.is_file():
        return None
    with Image.open(gif) as im:
        total = getattr(im, "n_frames", 1)
        picks = sorted({round(i * (total - 1) / (frames - 1)) for i in range(frames)})
        images = []
        for i in picks:
            im.seek(i)
            images.append(im.convert("RGB"))
    w, h = images[0].size
    out = Image.new("RGB", (w * 2, h * ((len(images) + 1) // 2)), "white")
    for k, frame in enumerate(images):
        out.paste(frame, ((k % 2) * w, (k // 2) * h))
    out.save(path)
    return path
