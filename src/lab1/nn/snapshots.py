"""Parameter snapshots at chosen epochs, the frames of a training animation: ``theta[s, k]`` is member
``k`` after ``epochs[s]`` updates; one that stopped before has its final state repeated there.
"""

from __future__ import annotations

import math

import numpy as np

Array = np.ndarray


def animation_epochs(epochs: int, frames: int = 40) -> tuple[int, ...]:
    """0, then at least ``frames - 1`` distinct epochs log-spaced up to ``epochs`` (every epoch if fewer)."""
    if epochs + 1 <= frames:
        return tuple(range(epochs + 1))
    count = frames - 1
    while True:  # rounding merges the first ones: add points until enough are distinct
        picked = np.unique(np.rint(np.geomspace(1, epochs, count)).astype(np.int64))
        if len(picked) >= frames - 1:
            return (0, *(int(e) for e in picked))
        count += max(1, math.ceil(0.1 * (frames - 1 - len(picked))))


def learning_epochs(epochs: Array, loss: Array, frames: int = 6) -> tuple[int, ...]:
    """The first and last epochs, and between them the first at which the loss had fallen by
    k/(frames-1) of its whole fall; where those coincide, the epochs farthest on a log scale."""
    finite = np.isfinite(loss)
    e, v = np.asarray(epochs)[finite], np.asarray(loss, dtype=np.float64)[finite]
    if not len(e):
        return ()
    picked = {int(e[0]), int(epochs[-1])}
    fall = v[0] - v.min()
    if fall > 0:
        for k in range(1, frames - 1):
            picked.add(int(e[np.argmax(v <= v[0] - k / (frames - 1) * fall)]))
    candidates = np.asarray(epochs, dtype=np.int64)
    while len(picked) < min(frames, len(set(candidates.tolist()))):
        at = np.log1p(np.array(sorted(picked), dtype=np.float64))
        gap = np.abs(np.log1p(candidates.astype(np.float64))[:, None] - at[None, :]).min(axis=1)
        picked.add(int(candidates[np.argmax(gap)]))
    return tuple(sorted(picked))


class Snapshots:
    """Each member's parameters, loss and accuracy at the given epochs, taken during training."""

    def __init__(self, epochs: tuple[int, ...], k: int, p: int) -> None:
        self.epochs = np.array(sorted(set(epochs)), dtype=np.int64)
        s = len(self.epochs)
        self.theta = np.zeros((s, k, p))
        self.loss = np.full((s, k), np.nan)
        self.accuracy = np.full((s, k), np.nan)
        self.taken = 0
        self.next = int(self.epochs[0]) if s else -1  # the epoch of the next snapshot; -1: none

    def take(self, theta: Array, loss: Array, accuracy: Array) -> None:
        """Record every member as it is at epoch ``self.next``."""
        i = self.taken
        self.theta[i], self.loss[i], self.accuracy[i] = theta, loss, accuracy
        self.taken = i + 1
        self.next = int(self.epochs[i + 1]) if i + 1 < len(self.epochs) else -1

    def settle(self, theta: Array, loss: Array, accuracy: Array, epochs_run: Array) -> Snapshots:
        """Repeat each member's final state at the snapshot epochs after it stopped; return self."""
        late = self.epochs[:, None] > epochs_run[None, :]  # (S, K)
        if late.any():
            rows, members = np.nonzero(late)
            self.theta[rows, members] = theta[members]
            self.loss[rows, members] = loss[members]
            self.accuracy[rows, members] = accuracy[members]
        return self
