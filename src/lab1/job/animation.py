"""training.gif: the decision boundary (or the image grid) beside the learning curve, epoch by epoch.

Frames are the training core's snapshots at log-spaced epochs; each frame redraws only
the artists that change, blitted onto the still parts; Pillow writes a looping GIF.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import colors, ticker  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from PIL import Image  # noqa: E402

from lab1.job import artifacts, plots  # noqa: E402
from lab1.job.population import MemberResult  # noqa: E402
from lab1.nn.network import predict  # noqa: E402

FPS = 8  # frames per second
HOLD = 2.0  # seconds the last frame stays before the loop starts again
DPI = 72  # pixels per inch: a 9.6 x 4.6 in figure is 691 x 331 pixels
SIZE = (9.6, 4.6)  # inches
RESOLUTION = 200  # boundary grid points per side: about one per pixel
IMAGES, COLUMNS = 18, 6  # images shown for an image dataset, in rows of this many
Update = Callable[[int], list[Any]]  # sets frame i (the i-th snapshot); returns the artists to draw
PLAIN = ticker.FuncFormatter(lambda v, _: f"{v:g}")  # 0.001, 1e-05: no mathtext to lay out each frame


def _save_gif(frames: list[Image.Image], path: Path) -> None:
    """Every frame 1/FPS s but the last, which stays HOLD s; the GIF loops forever."""
    durations = [round(1000 / FPS)] * (len(frames) - 1) + [round(1000 * HOLD)]
    palette = frames[-1].quantize(colors=255, method=Image.Quantize.FASTOCTREE)  # one palette for all
    indexed = [f.quantize(palette=palette, dither=Image.Dither.NONE) for f in frames]
    indexed[0].save(path, format="GIF", save_all=True, append_images=indexed[1:], duration=durations, loop=0)


def _render(fig: plt.Figure, count: int, set_frame: Update) -> list[Image.Image]:
    """Every frame as an image: the still parts drawn once, then per frame only the artists
    that change, blitted onto them (a full draw per frame costs about four times as much)."""
    canvas = cast(FigureCanvasAgg, fig.canvas)  # the Agg backend's (matplotlib.use above)
    for artist in set_frame(0):
        artist.set_animated(True)  # left out of the still background
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    frames = []
    for i in range(count):
        canvas.restore_region(background)
        for artist in set_frame(i):
            artist.set_animated(True)
            fig.draw_artist(artist)
        size = canvas.get_width_height()
        frames.append(
            Image.frombuffer("RGBA", size, canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
        )
    return frames


def _axes(fig: plt.Figure, left: float, bottom: float, width: float, height: float) -> plt.Axes:
    """Axes placed in inches from the figure's lower left corner."""
    fw, fh = fig.get_size_inches()
    return fig.add_axes((left / fw, bottom / fh, width / fw, height / fh))


def _boundary(fig: plt.Figure, r: MemberResult) -> Update:
    """Predicted probability over the input square, its 0.5 contour and the data (2-D inputs)."""
    ax = _axes(fig, 0.65, 0.95, 3.3, 2.75)
    X = r.dataset.X
    gx, gy, grid = plots.boundary_grid(X, RESOLUTION)
    probs = [predict(r.spec, s.params, grid).reshape(gx.shape) for s in r.snapshots]
    finite = np.concatenate([p[np.isfinite(p)] for p in probs])
    extend: Any = plots._extend(finite) if finite.size else "neither"  # one of BoundaryNorm's literals
    cmap = plt.get_cmap("RdBu")
    half_x, half_y = (gx[0, 1] - gx[0, 0]) / 2, (gy[1, 0] - gy[0, 0]) / 2  # grid points are pixel centres
    extent = (gx[0, 0] - half_x, gx[0, -1] + half_x, gy[0, 0] - half_y, gy[-1, 0] + half_y)
    norm = colors.BoundaryNorm(np.linspace(0, 1, 11), cmap.N, extend=extend)
    image = ax.imshow(probs[0], extent=extent, origin="lower", cmap=cmap, norm=norm, alpha=0.75)
    fig.colorbar(image, ax=ax, label="network output (P(class 1))", fraction=0.08, pad=0.04)
    plots._scatter_classes(ax, X, r.dataset.y)
    points = list(ax.collections)  # drawn again above the image in every frame
    plots._square(ax, grid, margin=0.0)
    ax.legend(loc="upper left", bbox_to_anchor=(0, -0.17), ncol=3, fontsize=8, frameon=False)
    ax.set_title("Decision boundary (black: output 0.5)", fontsize=9)
    contour: list = []

    def update(i: int) -> list[Any]:
        prob = probs[i]
        image.set_data(prob)
        for old in contour:
            old.remove()
        contour.clear()
        if np.isfinite(prob).any() and np.nanmin(prob) < 0.5 < np.nanmax(prob):
            contour.append(ax.contour(gx, gy, prob, levels=[0.5], colors="k", linewidths=1.2))
        return [image, *contour, *points]

    return update


def _points(fig: plt.Figure, r: MemberResult) -> Update:
    """The first two features of the data, coloured by the network output (inputs not 2-D)."""
    ax = _axes(fig, 0.65, 0.95, 3.3, 2.75)
    X = r.dataset.X
    xy = X[:, :2] if X.shape[1] >= 2 else np.column_stack([X[:, 0], np.zeros(len(X))])
    probs = [predict(r.spec, s.params, X) for s in r.snapshots]
    dots = ax.scatter(
        xy[:, 0], xy[:, 1], c=probs[0], cmap="RdBu", vmin=0, vmax=1, s=24, edgecolors="k", lw=0.3
    )
    fig.colorbar(dots, ax=ax, label="network output (P(class 1))", fraction=0.08, pad=0.04)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1" if X.shape[1] >= 2 else "")
    ax.set_title("Network output on the data (first two features)", fontsize=9)

    def update(i: int) -> list[Any]:
        dots.set_array(probs[i])
        return [dots]

    return update


def _images(fig: plt.Figure, r: MemberResult) -> Update:
    """The first images with their true and predicted class; wrong ones framed in red."""
    X, y, shape = r.dataset.X, r.dataset.y, r.dataset.image
    assert shape is not None
    count = min(IMAGES, len(y))
    mosaic, corners, inch = plots.image_mosaic(X[:count], shape, min(COLUMNS, count), 0.75)
    ax = _axes(fig, 0.3, 0.5, inch * mosaic.shape[1], inch * mosaic.shape[0])
    ax.imshow(mosaic, cmap="gray_r", vmin=-0.3, vmax=1.3, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(f"First {count} of {len(y)} images (red: wrong)", fontsize=9, pad=8)
    show = plots.image_labels(ax, corners, r.dataset)
    preds = [(predict(r.spec, s.params, X[:count]) > 0.5).astype(int) for s in r.snapshots]
    return lambda i: show(preds[i])


def _loss_points(r: MemberResult) -> tuple[np.ndarray, np.ndarray]:
    """Epochs and losses of the history and the snapshots together, the loss kept to a log axis."""
    epoch = np.concatenate([r.history["epoch"], [s.epoch for s in r.snapshots]])
    loss = np.concatenate([r.history["loss"], [s.loss for s in r.snapshots]])
    epoch, first = np.unique(epoch, return_index=True)
    return epoch, plots.loggable(loss[first])


def _curve(fig: plt.Figure, r: MemberResult) -> Update:
    """The loss up to the frame's epoch, a dot at that epoch; axes fixed to the whole run."""
    ax = _axes(fig, 5.55, 0.75, 3.75, 2.95)
    epoch, loss = _loss_points(r)
    ax.set_xscale("symlog", linthresh=1, linscale=0.4)
    ax.set_xlim(0, max(int(epoch[-1]), 1))
    ax.xaxis.set_major_formatter(PLAIN)
    if np.isfinite(loss).any():
        lo, hi = float(np.nanmin(loss)), float(np.nanmax(loss))
        ax.set_yscale("log")
        pad = max(0.06 * np.log10(hi / lo), 0.01)  # in decades
        ax.set_ylim(lo / 10**pad, hi * 10**pad)
        if hi < 10 * lo:  # less than a decade: label the minor ticks, briefly
            short = ticker.FuncFormatter(lambda v, _: f"{v:.3g}")
            ax.yaxis.set_minor_formatter(short)
        ax.yaxis.set_major_formatter(PLAIN)
    (line,) = ax.plot([], [], color="tab:purple", lw=1.5)
    (dot,) = ax.plot([], [], "o", color="tab:purple", ms=6, mec="k", mew=0.6, clip_on=False)
    if not np.isfinite(loss).all():  # a diverging run: say what the curve leaves out
        note = f"loss > {plots.LOSS_CEILING:.0e} or not finite: not drawn"
        plots.note(ax, note, 0.98, 0.03, ha="right", va="bottom", fontsize=7)
    ax.set_xlabel("epoch (log scale)")
    ax.set_ylabel("loss")
    ax.set_title("Learning curve", fontsize=9)
    ax.grid(alpha=0.3)

    def update(i: int) -> list[Any]:
        at = r.snapshots[i].epoch
        end = int(np.searchsorted(epoch, at, side="right"))
        line.set_data(epoch[:end], loss[:end])
        dot.set_data([at], [loss[end - 1]] if end and epoch[end - 1] == at else [np.nan])
        return [line, dot]

    return update


def draw(r: MemberResult, title: str, out_dir: Path) -> None:
    """Write ``training.gif`` into ``out_dir`` from the run's snapshots (none: no file)."""
    if not r.snapshots:
        return
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        fig = plt.figure(figsize=SIZE, dpi=DPI)  # the canvas is the frame: one size
        try:
            if r.dataset.image is not None:
                left = _images(fig, r)
            else:
                left = (_boundary if r.dataset.X.shape[1] == 2 else _points)(fig, r)
            right = _curve(fig, r)
            head = fig.suptitle("", fontsize=9)
            n = len(r.snapshots)

            def set_frame(i: int) -> list[Any]:
                s = r.snapshots[i]
                why = "diverged" if r.diverged else "stopped early" if r.early_stopped else ""
                stop = f" ({why})" if why and i == n - 1 else ""
                head.set_text(
                    f"{title}\nepoch {s.epoch}{stop}: loss {s.loss:.4g}, accuracy {100 * s.accuracy:.1f}%"
                )
                return [*left(i), *right(i), head]

            frames = _render(fig, n, set_frame)
        finally:
            plt.close(fig)
    artifacts.atomic_write(out_dir / artifacts.ANIMATION, lambda tmp: _save_gif(frames, tmp), ".gif")
