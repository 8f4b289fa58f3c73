"""Per-run figures: ground truth beside prediction, learning curve, decision boundary.

Every figure of lab1 (per run, per sweep, the report's own) is drawn at the size it is
printed: at most ``PRINT_WIDTH`` wide, no text smaller than ``SMALLEST_FONT`` points, so the
report shows each at its own size and every label stays readable on A4 paper.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import ticker  # noqa: E402

from lab1.data import Dataset  # noqa: E402
from lab1.job.population import MemberResult  # noqa: E402
from lab1.nn.network import predict  # noqa: E402

CLASS_COLORS = ("tab:red", "tab:blue")  # class 0, class 1, as the handout's plot
LOSS_FLOOR, LOSS_CEILING = 1e-16, 1e30  # plotted loss range
DPI = 200  # every saved figure (per run, per sweep, the report's): sharp in report.pdf
PNG = {"compress_level": 1}  # zlib level 1: half the encoding time of level 6, files a third larger
PRINT_WIDTH = (210 - 2 * 20) / 25.4  # inches: A4's text width with the report's 2 cm margins
HALF_WIDTH = PRINT_WIDTH / 2 - 0.1  # inches: a figure printed beside another
SMALLEST_FONT = 7.0  # points: the smallest text any figure may hold


def _scatter_classes(ax: plt.Axes, X: np.ndarray, labels: np.ndarray) -> None:
    for cls, color in enumerate(CLASS_COLORS):
        pts = X[labels == cls]
        ax.scatter(pts[:, 0], pts[:, 1], c=color, s=28, label=f"class {cls}", edgecolors="k", lw=0.3)


def _extend(values: np.ndarray) -> str:
    """Colour-bar arrows only where the network output leaves [0, 1] (non-sigmoid outputs)."""
    return ("neither", "min", "max", "both")[int(values.min() < 0) + 2 * int(values.max() > 1)]


def note(ax: plt.Axes, text: str, x: float, y: float, **style: Any) -> None:
    """Red text at (x, y) in axes coordinates: what a panel does not draw, and why."""
    ax.text(x, y, text, transform=ax.transAxes, color="tab:red", **style)


def loggable(loss: np.ndarray) -> np.ndarray:
    """Losses as a log axis shows them: at least LOSS_FLOOR; NaN if not finite or past LOSS_CEILING."""
    shown = np.isfinite(loss) & (loss <= LOSS_CEILING)
    return np.where(shown, np.maximum(loss, LOSS_FLOOR), np.nan)


def _square(ax: plt.Axes, X: np.ndarray, margin: float = 0.08) -> None:
    """Equal-aspect axes around the points X, with a margin (fraction of their span)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * max(float((hi - lo).max()), 1e-9)
    ax.set_xlim(lo[0] - pad, hi[0] + pad)
    ax.set_ylim(lo[1] - pad, hi[1] + pad)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")


def _margins(fig: plt.Figure, left: float, right: float, bottom: float, top: float, **space: float) -> None:
    """Fixed margins in inches: constrained layout would cost as much as drawing the figure."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(
        left=left / width, right=1 - right / width, bottom=bottom / height, top=1 - top / height, **space
    )


def loss_scale(ax: plt.Axes, loss: np.ndarray) -> None:
    """A log axis for losses spanning a decade or more; within less, where a log axis would
    label its crowded minor ticks, a linear one with a few plain ticks (0.252, not 2.52x10^-1)."""
    finite = loss[np.isfinite(loss)]
    if finite.size and finite.max() >= 10 * finite.min():
        ax.set_yscale("log")
        return
    ax.yaxis.set_major_locator(ticker.MaxNLocator(4))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.3g}"))


def comparison(r: MemberResult, title: str) -> plt.Figure:
    """Ground truth beside the predicted classes, as the handout's show_result."""
    X, y = r.dataset.X, r.dataset.y
    pred = (r.prob > 0.5).astype(int)
    fig, axes = plt.subplots(1, 2, figsize=(PRINT_WIDTH, 2.9))
    _margins(fig, 0.55, 0.8, 0.45, 0.6, wspace=0.3)
    for ax, labels, name in ((axes[0], y, "Ground truth"), (axes[1], pred, "Predict result")):
        _scatter_classes(ax, X, labels)
        ax.set_title(name)
        _square(ax, X)
    wrong = pred != y
    if wrong.any():
        axes[1].scatter(X[wrong, 0], X[wrong, 1], marker="x", c="k", s=60, label="wrong")
    axes[1].legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=8, frameon=False, handlelength=1)
    fig.suptitle(f"{title}\naccuracy {100 * r.accuracy:.1f}%", fontsize=9)
    return fig


def learning_curve(r: MemberResult, title: str) -> plt.Figure:
    """Loss (log scale) and accuracy against epoch."""
    h = r.history
    loss = loggable(h["loss"])
    fig, (ax_loss, ax_acc) = plt.subplots(2, 1, figsize=(HALF_WIDTH, 2.9), sharex=True)
    _margins(fig, 0.7, 0.15, 0.45, 0.8 if r.diverged else 0.5, hspace=0.08)
    dots = {"marker": "o", "ms": 3} if len(loss) <= 30 else {}  # a short history: show every point
    ax_loss.plot(h["epoch"], loss, color="tab:purple", **dots)
    if np.isnan(loss).any():
        first = int(h["epoch"][np.argmax(np.isnan(loss))])
        text = f"loss > {LOSS_CEILING:.0e} or not finite from epoch {first}: not drawn"
        note(ax_loss, text, 0.98, 0.95, ha="right", va="top", fontsize=8)
    loss_scale(ax_loss, loss)
    ax_loss.set_ylabel("loss")
    ax_loss.grid(alpha=0.3)
    ax_acc.plot(h["epoch"], 100 * h["accuracy"], color="tab:green", **dots)
    ax_acc.set_ylim(-2, 102)
    ax_acc.set_ylabel("accuracy (%)")
    ax_acc.set_xlabel("epoch")
    ax_acc.xaxis.set_major_locator(ticker.MaxNLocator(5))
    ax_acc.grid(alpha=0.3)
    if r.epochs_to_100 is not None:
        ax_acc.axvline(r.epochs_to_100, color="0.5", ls="--", lw=1, label=f"100% at epoch {r.epochs_to_100}")
        ax_acc.legend(loc="lower right", fontsize=8)
    if r.diverged:
        ax_loss.set_title(f"diverged at epoch {r.epochs_run}", color="tab:red", fontsize=9)
        for ax in (ax_loss, ax_acc):
            ax.axvline(r.epochs_run, color="tab:red", ls=":", lw=1)
    fig.suptitle(f"Learning curve\n{title}", fontsize=9)
    return fig


def boundary_grid(X: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A square grid over the 2-D points X with a 10% margin: its x, its y, and its points ``(n, 2)``."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * max(float((hi - lo).max()), 1e-9)
    gx, gy = np.meshgrid(
        np.linspace(lo[0] - pad, hi[0] + pad, resolution), np.linspace(lo[1] - pad, hi[1] + pad, resolution)
    )
    return gx, gy, np.column_stack([gx.ravel(), gy.ravel()])


def decision_boundary(r: MemberResult, title: str, resolution: int = 160) -> plt.Figure:
    """Predicted probability over the input square, the 0.5 contour and the data."""
    X, y = r.dataset.X, r.dataset.y
    gx, gy, grid = boundary_grid(X, resolution)
    prob = predict(r.spec, r.params, grid).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(HALF_WIDTH, 2.9), layout="constrained")
    finite = np.isfinite(prob)
    if finite.any():  # extend: an output activation other than sigmoid can leave [0, 1]
        shown, levels = np.where(finite, prob, np.nan), np.linspace(0, 1, 11)
        cs = ax.contourf(gx, gy, shown, levels=levels, cmap="RdBu", alpha=0.75, extend=_extend(prob[finite]))
        fig.colorbar(
            cs, ax=ax, label="network output, P(class 1)", fraction=0.07, pad=0.03, ticks=[0, 0.5, 1]
        )
        if np.nanmin(prob) < 0.5 < np.nanmax(prob):
            ax.contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=1.2)
    else:
        text = "output is not finite anywhere:\nno boundary to draw"
        note(ax, text, 0.5, 0.5, ha="center", va="center", fontsize=10)
    _scatter_classes(ax, X, y)
    _square(ax, grid, margin=0.0)  # the grid already has its margin
    fig.legend(loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    ax.set_title(f"Decision boundary\n{title}", fontsize=8)
    return fig


CLASS_NAMES = {"bars": ("horizontal", "vertical")}  # what labels 0 and 1 mean, per image dataset


def image_mosaic(
    X: np.ndarray, image: tuple[int, ...], cols: int, across: float
) -> tuple[np.ndarray, list[tuple[int, int]], float]:
    """The images (first channel) in rows of ``cols``, each ``across`` inches wide with its gap
    and room above for two lines of text: the array (NaN between), each image's (top, left)
    pixel, and inches per pixel."""
    rows = -(-len(X) // cols)
    h, w = image[1:]
    gx = max(1, round(0.2 * w))  # pixels between images across
    inch = across / (w + gx)  # inches per pixel
    gy = int(np.ceil(0.36 / inch))  # above each image, room for two lines of text
    mosaic = np.full((rows * (h + gy), cols * (w + gx) - gx), np.nan)
    corners = []
    for i, x in enumerate(X):
        row, col = divmod(i, cols)
        top, left = row * (h + gy) + gy, col * (w + gx)
        mosaic[top : top + h, left : left + w] = x.reshape(image)[0]
        corners.append((top, left))
    return mosaic, corners, inch


def image_labels(ax: plt.Axes, corners: list[tuple[int, int]], data: Dataset) -> Callable[[np.ndarray], list]:
    """Each image's true and predicted class, red-framed when wrong: a setter of the predictions."""
    assert data.image is not None
    h, w = data.image[1:]
    names = CLASS_NAMES.get(data.name, ("class 0", "class 1"))
    texts, boxes = [], []
    for top, left in corners:
        texts.append(ax.text(left + w / 2 - 0.5, top - 0.7, "", fontsize=7, ha="center", va="bottom"))
        frame = plt.Rectangle((left - 0.5, top - 0.5), w, h, fill=False, ec="tab:red", lw=1.5)
        boxes.append(ax.add_patch(frame))

    def show(pred: np.ndarray) -> list:
        for j, (text, box) in enumerate(zip(texts, boxes)):
            text.set_text(f"true {names[data.y[j]][:5]}\npred {names[pred[j]][:5]}")
            text.set_color("tab:red" if pred[j] != data.y[j] else "k")
            box.set_visible(pred[j] != data.y[j])
        return [*texts, *boxes]

    return show


def image_comparison(r: MemberResult, title: str, count: int = 24) -> plt.Figure:
    """The first images with their ground truth and prediction (wrong ones in red), as one mosaic."""
    X, y, image = r.dataset.X, r.dataset.y, r.dataset.image
    assert image is not None
    count = min(count, len(y))
    mosaic, corners, inch = image_mosaic(X[:count], image, min(8, count), 0.78)
    width, height = inch * mosaic.shape[1] + 0.2, inch * mosaic.shape[0] + 0.65  # 0.55 in for the title
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes(
        (0.1 / width, 0.1 / height, inch * mosaic.shape[1] / width, inch * mosaic.shape[0] / height)
    )
    image_labels(ax, corners, r.dataset)((r.prob[:count] > 0.5).astype(int))
    ax.imshow(mosaic, cmap="gray_r", vmin=-0.3, vmax=1.3, interpolation="nearest")
    ax.set_axis_off()
    fig.suptitle(
        f"{title}\nfirst {count} images, accuracy {100 * r.accuracy:.1f}% on all {len(y)} (red: wrong)",
        fontsize=9,
    )
    return fig


FILTERS_PER_ROW = 4


def filters(w: np.ndarray, title: str) -> plt.Figure:
    """Convolution kernels W1 (filters, channels, kh, kw): a panel each, ``FILTERS_PER_ROW`` to a row."""
    f, c = w.shape[:2]
    per_row = min(f, FILTERS_PER_ROW)
    rows = -(-f // per_row) * c  # each filter's channels one above the other
    lim = float(np.abs(w).max()) or 1.0
    fig, axes = plt.subplots(
        rows, per_row, figsize=(1.05 * per_row + 1.1, 1.0 * rows + 0.75), squeeze=False, layout="constrained"
    )
    for ax in axes.flat:
        ax.set_axis_off()
    for j in range(f):
        for ch in range(c):
            ax = axes[(j // per_row) * c + ch, j % per_row]
            ax.set_axis_on()
            im = ax.imshow(w[j, ch], cmap="RdBu_r", vmin=-lim, vmax=lim)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"filter {j + 1}" + (f", channel {ch + 1}" if c > 1 else ""), fontsize=8)
    fig.colorbar(im, ax=axes, shrink=0.8, label="weight")
    fig.suptitle(f"Learned {w.shape[2]}x{w.shape[3]} filters\n{title}", fontsize=9)
    return fig


POINT_FIGURES = {
    "comparison.png": comparison,
    "learning_curve.png": learning_curve,
    "decision_boundary.png": decision_boundary,
}
IMAGE_FIGURES = {"comparison.png": image_comparison, "learning_curve.png": learning_curve}


def figures_for(r: MemberResult) -> dict:
    """The per-run figures that fit the data: 2-D points, other points, or images (a CNN: filters)."""
    if r.dataset.image is None:  # the boundary is drawn over the plane of 2-D inputs only
        return POINT_FIGURES if r.dataset.X.shape[1] == 2 else {k: POINT_FIGURES[k] for k in IMAGE_FIGURES}
    cnn = {"filters.png": lambda r, t: filters(r.params["W1"], t)} if r.spec.conv is not None else {}
    return {**IMAGE_FIGURES, **cnn}


def save(fig: plt.Figure, path: Path) -> Path:
    """Write a figure at ``DPI`` (as ``PNG`` says) and close it."""
    fig.savefig(path, dpi=DPI, pil_kwargs=PNG)
    plt.close(fig)
    return path


def draw_all(r: MemberResult, title: str, out_dir: Path) -> None:
    """Every per-run figure into ``out_dir``."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for name, draw in figures_for(r).items():
            save(draw(r, title), out_dir / name)
