"""The training loop of a population: full-batch or shuffled mini-batch backpropagation.

Epoch ``e`` is the forward pass after ``e`` updates (epoch 0: the initial network). A member stops
at ``early_stop``, ``stop_accuracy`` or a non-finite loss, with the results of that epoch.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lab1.nn.losses import FUSED, LOSSES
from lab1.nn.network import Network, init_rng
from lab1.nn.optimizers import Optimizer
from lab1.nn.snapshots import Snapshots

Array = np.ndarray
SHUFFLE_STREAM = 2  # SeedSequence spawn key of the mini-batch shuffling stream
STOP_RULES = (None, "early_stop", "stop_accuracy")  # what stopped a member early, by TrainResult.stop_rule
HALF = np.array(0.5)  # the class threshold, a 0-d array: numpy converts a float on every call (bench_core)


@dataclass(frozen=True)
class TrainSpec:
    """What the loop needs besides the network, optimizer and data."""

    loss: str = "mse"
    output_activation: str = "sigmoid"
    epochs: int = 1000
    batch_size: int | None = None  # None or >= n: full batch
    early_stop: float | None = None  # stop a member once its loss <= this
    stop_accuracy: float | None = None  # stop a member once its accuracy >= this
    log_every: int = 1  # history interval in epochs
    snapshot_epochs: tuple[int, ...] = ()  # record every member's parameters at these epochs


@dataclass
class TrainResult:
    """Per-member outcome; arrays are indexed by member first."""

    theta: Array  # (K, P) parameters at each member's last epoch
    prob: Array  # (K, n) output probabilities at the last epoch
    loss: Array  # (K,) loss at the last epoch (NaN or inf when diverged)
    accuracy: Array  # (K,) fraction correct at the last epoch
    epochs_run: Array  # (K,) updates made
    epochs_to_100: Array  # (K,) first epoch with 100% accuracy, -1 if never
    diverged: Array  # (K,) bool
    early_stopped: Array  # (K,) bool
    stop_rule: Array  # (K,) index into STOP_RULES: 0 none, 1 early_stop, 2 stop_accuracy
    history_epoch: Array  # (T,)
    history_loss: Array  # (T, K), NaN where a member logged nothing
    history_accuracy: Array  # (T, K)
    snapshots: Snapshots  # theta (S, K, P) at snapshot_epochs; final state repeated after a stop
    wall_seconds: float = 0.0


def objective(loss: str, output_activation: str) -> Callable[[Network, Array, Array], tuple]:
    """(net, p, y) -> (loss (K,), gradient, from_logits): the fused form where one exists."""
    fused = FUSED.get((output_activation, loss))
    if fused is not None:
        return lambda net, p, y: (*fused.value_and_grad(net.logits, p, y), True)
    general = LOSSES[loss]
    return lambda net, p, y: (*general.value_and_grad(p, y), False)


def all_correct(p: Array, y_true: Array) -> Array:
    """(K,) whether every sample is classified right (class 1 where p > 0.5)."""
    return np.equal(p > HALF, y_true).all(axis=(1, 2))


def accuracy(p: Array, y_true: Array) -> Array:
    """(K,) fraction of samples classified right (class 1 where p > 0.5)."""
    right = np.equal(p > HALF, y_true)
    if right.shape[0] == 1:  # one member: a count is far cheaper than a mean over axes
        return np.array([np.count_nonzero(right) / right.size])
    return right.mean(axis=(1, 2))


class _Recorder:
    """Collects history rows and each member's final snapshot."""

    def __init__(self, net: Network, n: int, log_every: int) -> None:
        k = net.k
        self.net, self.log_every = net, log_every
        self.theta = net.theta.copy()
        self.prob = np.zeros((k, n))
        self.loss = np.full(k, np.nan)
        self.acc = np.zeros(k)
        self.epochs_run = np.zeros(k, dtype=np.int64)
        self.rows: list[tuple[int, Array, Array]] = []

    def log(self, epoch: int, members: Array | None, loss: Array, acc: Array) -> None:
        """Add a history row for the given members (None: all of them)."""
        if members is None:
            if not self.rows or self.rows[-1][0] != epoch:
                self.rows.append((epoch, loss.copy(), acc))
                return
            members = np.ones(self.net.k, dtype=bool)
        row_loss = np.full(self.net.k, np.nan)
        row_acc = np.full(self.net.k, np.nan)
        row_loss[members], row_acc[members] = loss[members], acc[members]
        if self.rows and self.rows[-1][0] == epoch:
            prev = self.rows[-1]
            np.copyto(prev[1], row_loss, where=members)
            np.copyto(prev[2], row_acc, where=members)
        else:
            self.rows.append((epoch, row_loss, row_acc))

    def finish(self, epoch: int, members: Array, p: Array, loss: Array, acc: Array) -> None:
        """Snapshot the given members as they are at this epoch."""
        self.theta[members] = self.net.theta[members]
        self.prob[members] = p[members, :, 0] if p.shape[0] > 1 else p[0, :, 0]
        self.loss[members] = loss[members]
        self.acc[members] = acc[members]
        self.epochs_run[members] = epoch
        if epoch % self.log_every:
            self.log(epoch, members, loss, acc)


class _Members:
    """Which members still train, which reached 100%, and why each one stopped."""

    def __init__(self, rec: _Recorder, opt: Optimizer, y_true: Array, spec: TrainSpec) -> None:
        k = rec.net.k
        self.rec, self.opt, self.y_true, self.k = rec, opt, y_true, k
        self.y_bytes = y_true.tobytes()
        self.active = np.ones(k, dtype=bool)
        self.diverged = np.zeros(k, dtype=bool)
        self.early = np.zeros(k, dtype=bool)
        self.reached = np.full(k, -1, dtype=np.int64)
        self.rule = np.zeros(k, dtype=np.int8)
        loss_at_most, accuracy_at_least = spec.early_stop, spec.stop_accuracy
        self.stops: list[tuple[int, Callable[[Array, Array], Array]]] = []  # only the rules that are on
        if loss_at_most is not None:
            self.stops.append((STOP_RULES.index("early_stop"), lambda p, loss: loss <= loss_at_most))
        if accuracy_at_least is not None:
            stop_accuracy = STOP_RULES.index("stop_accuracy")
            self.stops.append((stop_accuracy, lambda p, loss: accuracy(p, y_true) >= accuracy_at_least))
        self.pending = self.active.copy()  # still training and not yet at 100% accuracy
        self.n_active = self.n_pending = k  # their counts as Python ints: no numpy call per epoch

    def retire(self, epoch: int, members: Array, p: Array, loss: Array, why: Array) -> None:
        """Record the members' final state, mark why they stopped, stop updating them."""
        self.rec.finish(epoch, members, p, loss, accuracy(p, self.y_true))
        why |= members
        self.active[members] = self.pending[members] = False
        self.n_active, self.n_pending = int(self.active.sum()), int(self.pending.sum())
        self.opt.lr = self.opt.lr.copy()  # finished members are updated no more (their results are recorded)
        self.opt.lr[members] = 0.0

    def check_finite(self, epoch: int, net: Network, p: Array, loss: Array) -> None:
        """Retire members whose loss is no longer finite (diverged), and make them finite."""
        if not math.isfinite(loss[0] if self.k == 1 else loss.sum()):
            bad = ~np.isfinite(loss) & self.active
            if bad.any():
                self.retire(epoch, bad, p, loss, self.diverged)
                net.theta[bad] = 0.0  # finite again, so the per-epoch loss check stays cheap
                self.opt.reset_members(bad)

    def check_reached(self, epoch: int, p: Array) -> None:
        """Note the first epoch at which each member classifies every sample right."""
        if self.n_pending == 1 and self.k == 1:  # one network: compare the bytes of its classes
            if (p > HALF).tobytes() == self.y_bytes:
                self.reached[0], self.pending[0], self.n_pending = epoch, False, 0
        elif self.n_pending:
            new = all_correct(p, self.y_true) & self.pending
            if new.any():
                self.reached[new] = epoch
                self.pending &= ~new
                self.n_pending = int(self.pending.sum())

    def check_early(self, epoch: int, p: Array, loss: Array) -> None:
        """Retire members that meet a stop rule; the first rule that holds is the one recorded."""
        for code, test in self.stops:
            hit = test(p, loss) & self.active
            if hit.any():
                self.rule[hit] = code
                self.retire(epoch, hit, p, loss, self.early)


def train(
    net: Network,
    opt: Optimizer,
    X: Array,
    y: Array,
    spec: TrainSpec,
    seeds: Array | None = None,
    on_print: Callable[[int, Array], None] | None = None,
    print_every: int = 0,
    on_progress: Callable[[int], None] | None = None,
) -> TrainResult:
    """Train every member of ``net``; X ``(K|1, n, d)``, y ``(K|1, n, 1)`` in {0, 1}."""
    start = time.perf_counter()
    k, n = net.k, X.shape[1]
    seeds = np.zeros(k, dtype=np.int64) if seeds is None else np.asarray(seeds)
    value_and_grad = objective(spec.loss, spec.output_activation)
    y_true = y > 0.5
    rec = _Recorder(net, n, spec.log_every)
    snaps = Snapshots(spec.snapshot_epochs, k, net.theta.shape[1])
    m = _Members(rec, opt, y_true, spec)
    batch = spec.batch_size if spec.batch_size and spec.batch_size < n else None
    rngs = [init_rng(int(s), SHUFFLE_STREAM) for s in seeds] if batch else []
    progress_every = max(1, spec.epochs // 200)
    log_every = spec.log_every

    with np.errstate(all="ignore"):
        for epoch in range(spec.epochs + 1):
            p = net.forward(X)
            loss, grad, from_logits = value_and_grad(net, p, y)
            if epoch == snaps.next:  # a Python int comparison: free when there are no snapshots
                snaps.take(net.theta, loss, accuracy(p, y_true))
            m.check_finite(epoch, net, p, loss)
            m.check_reached(epoch, p)
            if epoch % log_every == 0:
                rec.log(epoch, m.active if m.n_active < k else None, loss, accuracy(p, y_true))
            if print_every and epoch % print_every == 0 and on_print is not None:
                on_print(epoch, loss)
            m.check_early(epoch, p, loss)
            if epoch == spec.epochs or not m.n_active:
                if m.n_active:
                    rec.finish(epoch, m.active, p, loss, accuracy(p, y_true))
                break
            if batch is None:
                net.backward(grad, from_logits)
                opt.step(net.theta, net.grad)
            else:
                _minibatch_epoch(net, opt, X, y, batch, rngs, value_and_grad)
            if on_progress is not None and (epoch + 1) % progress_every == 0:
                on_progress(epoch + 1)
    return _result(rec, m, snaps, time.perf_counter() - start)


def _result(rec: _Recorder, m: _Members, snaps: Snapshots, seconds: float) -> TrainResult:
    """The recorded rows and snapshots as a TrainResult."""
    k = rec.net.k
    epochs = np.array([r[0] for r in rec.rows], dtype=np.int64)
    return TrainResult(
        theta=rec.theta,
        prob=rec.prob,
        loss=rec.loss,
        accuracy=rec.acc,
        epochs_run=rec.epochs_run,
        epochs_to_100=m.reached,
        diverged=m.diverged,
        early_stopped=m.early,
        stop_rule=m.rule,
        history_epoch=epochs,
        history_loss=np.array([r[1] for r in rec.rows]).reshape(len(epochs), k),
        history_accuracy=np.array([r[2] for r in rec.rows]).reshape(len(epochs), k),
        snapshots=snaps.settle(rec.theta, rec.loss, rec.acc, rec.epochs_run),
        wall_seconds=seconds,
    )


def _minibatch_epoch(
    net: Network,
    opt: Optimizer,
    X: Array,
    y: Array,
    batch: int,
    rngs: list[np.random.Generator],
    value_and_grad: Callable,
) -> None:
    """One pass over the data in shuffled mini-batches, one permutation per member."""
    k, n = net.k, X.shape[1]
    order = np.stack([rng.permutation(n) for rng in rngs])  # (K, n)
    Xk = np.broadcast_to(X, (k, *X.shape[1:]))
    yk = np.broadcast_to(y, (k, *y.shape[1:]))
    for start in range(0, n, batch):
        idx = order[:, start : start + batch, None]  # (K, b, 1)
        xb = np.take_along_axis(Xk, idx, axis=1)
        yb = np.take_along_axis(yk, idx, axis=1)
        p = net.forward(xb)
        _, grad, from_logits = value_and_grad(net, p, yb)
        net.backward(grad, from_logits)
        opt.step(net.theta, net.grad)
