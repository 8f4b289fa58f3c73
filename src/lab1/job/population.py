"""Turn job configs into one population, train it, and split the result per job.

A single run is a population of one. What members of one population may differ in is
``lab1.sweep.plan.MEMBER_KEYS``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from omegaconf import DictConfig

from lab1.config import log_interval, net_spec
from lab1.data import SEEDED, Dataset, make_dataset
from lab1.nn.network import NetSpec, Network, initialise
from lab1.nn.optimizers import hyperparameter_names, make_optimizer
from lab1.nn.snapshots import animation_epochs
from lab1.nn.train import STOP_RULES, TrainResult, TrainSpec, train

Array = np.ndarray


@dataclass
class Snapshot:
    """One member as it was at one epoch of training: a frame of its animation."""

    epoch: int
    params: dict[str, Array]
    loss: float
    accuracy: float


@dataclass
class MemberResult:
    """Everything one job's outputs are written from."""

    dataset: Dataset
    params_init: dict[str, Array]
    params: dict[str, Array]
    prob: Array  # (n,)
    loss: float
    accuracy: float
    epochs_run: int
    epochs_to_100: int | None
    diverged: bool
    early_stopped: bool
    stopped_by: str | None  # the key whose rule stopped it early: early_stop or stop_accuracy
    history: dict[str, Array]  # epoch, loss, accuracy
    wall_seconds: float
    population: int
    spec: NetSpec
    snapshots: list[Snapshot] = field(default_factory=list)  # plots.animation: up to epochs_run


def train_spec(cfg: DictConfig, snapshot_epochs: tuple[int, ...]) -> TrainSpec:
    """The loop settings a config asks for, every member's parameters kept at ``snapshot_epochs``."""
    return TrainSpec(
        loss=cfg.loss,
        output_activation=cfg.output_activation,
        epochs=int(cfg.epochs),
        batch_size=cfg.batch_size,
        early_stop=None if cfg.early_stop is False else cfg.early_stop,
        stop_accuracy=cfg.stop_accuracy,
        log_every=log_interval(cfg),
        snapshot_epochs=snapshot_epochs,
    )


# A block of a population keeps its arrays in the cache (benchmarks/bench_torch.py measures
# member-epochs/s against K): past about this many bytes a larger block is slower, not faster.
BLOCK_BYTES = 4 * 2**20
# Members sharing their data (xor) share their first layer's products (lab1.nn.layers.Dense):
# their blocks start at multiples of this many members, where BLAS's tiles of the whole
# product start (4 or 8 rows with AVX2 kernels, 16 with AVX-512), so they round as in it.
ALIGN = 16


def blocks(k: int, member_bytes: int, shared: bool = False) -> list[range]:
    """K members in the fewest blocks of about ``BLOCK_BYTES``, none of a single member (a
    population of one runs on 2-D arrays, which round differently): even blocks, or, when the
    members share their data (``shared``), blocks of a multiple of ``ALIGN``, the last shorter.
    Every member trains bit for bit as in the whole population."""
    count = max(1, min(k // 2, k * member_bytes // BLOCK_BYTES))
    if not shared or count == 1:
        return even_ranges(k, count)
    size = -(-k // count // ALIGN) * ALIGN
    starts = [*range(0, k - 1, size), k]  # a last block of one joins the one before
    return [range(a, b) for a, b in zip(starts[:-1], starts[1:])]


def even_ranges(n: int, count: int) -> list[range]:
    """``range(n)`` in ``count`` consecutive ranges whose lengths differ by one at most, longer first."""
    step, extra = divmod(n, count)
    starts = [i * step + min(i, extra) for i in range(count + 1)]
    return [range(a, b) for a, b in zip(starts[:-1], starts[1:])]


def train_configs(
    cfgs: Sequence[DictConfig],
    on_print: Callable[[int, Array], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    snapshot_epochs: tuple[int, ...] | None = None,
) -> list[MemberResult]:
    """Train the jobs (alike but for what ``lab1.sweep.plan.MEMBER_KEYS`` lets differ) as one
    population, in ``blocks``; ``snapshot_epochs`` gives every member snapshots at those
    epochs instead of its animation's."""
    first = cfgs[0]
    own_data = first.dataset.name in SEEDED  # each member its own data, else one copy broadcast
    data = [make_dataset(c.dataset, int(c.seed)) for c in (cfgs if own_data else cfgs[:1])]
    spec = net_spec(first, data[0].X.shape[1], data[0].image)
    sizes = blocks(len(cfgs), spec.member_bytes(len(data[0].y)), shared=not own_data)
    out: list[MemberResult] = []
    for b in sizes:
        block_data = data[b.start : b.stop] if own_data else data
        out += _train_block(cfgs[b.start : b.stop], block_data, spec, on_print, on_progress, snapshot_epochs)
    seconds = sum(out[b.start].wall_seconds for b in sizes)  # the whole population's training
    for r in out:
        r.population, r.wall_seconds = len(cfgs), seconds
    return out


def _train_block(
    cfgs: Sequence[DictConfig],
    datasets: list[Dataset],
    spec: NetSpec,
    on_print: Callable[[int, Array], None] | None,
    on_progress: Callable[[int], None] | None,
    snapshot_epochs: tuple[int, ...] | None,
) -> list[MemberResult]:
    """Train one block of a population: ``datasets`` one per member, or one for all."""
    first, k = cfgs[0], len(cfgs)
    seeds = np.array([int(c.seed) for c in cfgs], dtype=np.int64)
    X = np.stack([d.X for d in datasets])  # (K|1, n, d)
    y = np.stack([d.y for d in datasets])[:, :, None].astype(np.float64)  # (K|1, n, 1)
    X.flags.writeable = y.flags.writeable = False  # lets the first layer skip re-copying X

    net = Network(spec, k)
    for init in sorted({c.init for c in cfgs}):
        members = [i for i, c in enumerate(cfgs) if c.init == init]
        scratch = Network(spec, len(members))
        initialise(scratch, seeds[members], init)
        net.theta[members] = scratch.theta
    theta_init = net.theta.copy()

    scalar_names, flag_names = hyperparameter_names(first.optim.name)
    scalars = {name: _column(cfgs, name) for name in scalar_names}
    flags = {name: bool(first.optim[name]) for name in flag_names}
    opt = make_optimizer(first.optim.name, scalars, flags, net.theta.shape)

    print_every = int(first.print_every) if k == 1 else 0
    animated = animation_epochs(int(first.epochs)) if any(bool(c.plots.animation) for c in cfgs) else ()
    loop = train_spec(first, animated if snapshot_epochs is None else snapshot_epochs)
    result = train(net, opt, X, y, loop, seeds, on_print, print_every, on_progress)
    out = [_member(result, i, net, theta_init, datasets[i % len(datasets)], spec) for i in range(k)]
    for i, c in enumerate(cfgs):
        if c.plots.animation or snapshot_epochs is not None:
            out[i].snapshots = _snapshots(result, i, net)
    return out


def _column(cfgs: Sequence[DictConfig], name: str) -> Array:
    """A ``(K, 1)`` column of one optimizer scalar (``lr`` comes from the top level)."""
    values: list[Any] = [c.lr if name == "lr" else c.optim[name] for c in cfgs]
    return np.array(values, dtype=np.float64)[:, None]


def _snapshots(r: TrainResult, i: int, net: Network) -> list[Snapshot]:
    """Member ``i``'s snapshots up to the epoch it stopped at, that epoch last."""
    s, last = r.snapshots, int(r.epochs_run[i])
    out = [
        Snapshot(int(e), net.unpack(s.theta[j, i]), float(s.loss[j, i]), float(s.accuracy[j, i]))
        for j, e in enumerate(s.epochs)
        if e <= last
    ]
    if not out or out[-1].epoch != last:  # stopped between snapshot epochs: end on its final state
        out.append(Snapshot(last, net.unpack(r.theta[i]), float(r.loss[i]), float(r.accuracy[i])))
    return out


def _member(
    r: TrainResult, i: int, net: Network, theta_init: Array, data: Dataset, spec: NetSpec
) -> MemberResult:
    rows = ~np.isnan(r.history_loss[:, i]) | ~np.isnan(r.history_accuracy[:, i])
    return MemberResult(
        dataset=data,
        params_init=net.unpack(theta_init[i]),
        params=net.unpack(r.theta[i]),
        prob=r.prob[i].copy(),
        loss=float(r.loss[i]),
        accuracy=float(r.accuracy[i]),
        epochs_run=int(r.epochs_run[i]),
        epochs_to_100=int(r.epochs_to_100[i]) if r.epochs_to_100[i] >= 0 else None,
        diverged=bool(r.diverged[i]),
        early_stopped=bool(r.early_stopped[i]),
        stopped_by=STOP_RULES[int(r.stop_rule[i])],
        history={
            "epoch": r.history_epoch[rows],
            "loss": r.history_loss[rows, i],
            "accuracy": r.history_accuracy[rows, i],
        },
        wall_seconds=r.wall_seconds,
        population=net.k,
        spec=spec,
    )
