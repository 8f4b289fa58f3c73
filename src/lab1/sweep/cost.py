"""The cost model: rough bytes and nanoseconds of training a chunk of a population.

The launcher sizes chunks and picks its number of worker processes with it, and the
report orders its sweeps by it. Its constants are measured on this project's networks by
``benchmarks/bench_sweep.py`` (part ``population``), which prints estimate against measurement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig

from lab1.config import net_spec
from lab1.data import shape
from lab1.nn.conv import out_size


def sizes(cfg: DictConfig) -> tuple[int, tuple[int, ...], int, int]:
    """(samples, dense widths from their input to the output, convolution outputs per sample,
    weights of one filter per channel) of a job's network; 0, 0 without a convolution."""
    n, n_in, image = shape(cfg.dataset)
    spec = net_spec(cfg, n_in, image)
    if spec.conv is None or image is None:
        return n, spec.sizes, 0, 0
    c, side = spec.conv, image[1]
    units = c.filters * out_size(side, c.kernel, c.stride, c.padding) ** 2
    return n, (units, *spec.sizes[1:]), units, c.kernel**2


def member_bytes(cfg: DictConfig) -> int:
    """Rough bytes of one member's arrays in training (``NetSpec.member_bytes``)."""
    n, n_in, image = shape(cfg.dataset)
    return net_spec(cfg, n_in, image).member_bytes(n)


EPOCH_NS = 110_000.0  # the numpy calls of one epoch of a population (K >= 2), whatever its size
FIGURES_NS = 600e6  # one job's per-run figures (three, about 0.2 s each here)
ANIMATION_NS = 0.8e9  # one job's training.gif: 40 blitted frames and their GIF encoding
PARALLEL_NS = 500e6  # less estimated work than this runs in one process (a pool costs ~0.1 s)


def member_ns(cfg: DictConfig) -> float:
    """Rough nanoseconds one member adds to an epoch: about 10 per sample and unit (the
    activation's exp and elementwise work) and 0.6 per sample and weight (the three matrix
    products), the convolution's patches counted as three products of its kernel."""
    n, widths, conv_units, kernel_area = sizes(cfg)
    units = sum(widths[1:]) + conv_units
    dense = sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))  # weights and biases
    weights = dense + 3 * conv_units * kernel_area
    return n * (10.0 * units + 0.6 * weights)


def chunk_cost(chunk: list[tuple[Any, DictConfig]]) -> float:
    """Rough nanoseconds to train a chunk, epochs x (per-epoch calls + its members' work),
    and to draw its members' per-run figures and animations."""
    cfg = chunk[0][1]
    drawn: dict[int, float] = {}  # per distinct config object (jobs may share one when planning on paper)
    figures = 0.0
    for _, c in chunk:
        if id(c) not in drawn:
            drawn[id(c)] = FIGURES_NS * bool(c.plots.per_job) + ANIMATION_NS * bool(c.plots.animation)
        figures += drawn[id(c)]
    return (int(cfg.epochs) + 1) * (EPOCH_NS + len(chunk) * member_ns(cfg)) + figures


def schedule(costs: Sequence[float], slots: int) -> float:
    """Wall nanoseconds of work of these costs, costliest first to whichever of ``slots`` is free."""
    loads = [0.0] * max(1, min(slots, len(costs)))
    for cost in sorted(costs, reverse=True):
        loads[loads.index(min(loads))] += cost
    return max(loads, default=0.0)


def makespan(chunk_list: list[list[Any]], workers: int) -> float:
    """Estimated wall nanoseconds of these chunks on ``workers`` processes."""
    return schedule([chunk_cost(c) for c in chunk_list], workers)
