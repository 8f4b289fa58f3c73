"""Losses with their gradients beside them: ``p`` ``(K, n, 1)``, ``y`` ``(K|1, n, 1)``, values ``(K,)``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray
_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class Loss:
    """A loss L(p, y) and its gradient dL/dp."""

    name: str
    value: Callable[[Array, Array], Array]  # (p, y) -> (K,)
    value_and_grad: Callable[[Array, Array], tuple[Array, Array]]  # -> (K,), (K, n, 1)


def _mean_squares(e: Array) -> Array:
    """(K,) mean over samples of each member's squared errors ``e`` ``(K, n, m)``."""
    n = e.shape[1]
    if e.shape[0] == 1:  # one member: a dot product is the cheapest reduction
        flat: Array = e.reshape(-1)
        return np.array([np.dot(flat, flat) / n])
    flat = e.reshape(e.shape[0], 1, -1)  # each member's errors as a row: K dot products in one matmul
    return np.matmul(flat, flat.swapaxes(-1, -2)).reshape(-1) / n


def _mse_value(p: Array, y: Array) -> Array:
    """L = mean_i (p_i - y_i)^2."""
    return _mean_squares(p - y)


def _mse_value_and_grad(p: Array, y: Array) -> tuple[Array, Array]:
    """L as above; dL/dp = 2 (p - y) / n."""
    e = p - y
    value = _mean_squares(e)
    e *= 2.0 / e.shape[1]
    return value, e


def _bce_value(p: Array, y: Array) -> Array:
    """L = -mean_i [y log p + (1 - y) log(1 - p)], p clipped to [eps, 1 - eps]."""
    q = np.clip(p, _EPS, 1.0 - _EPS)
    terms = y * np.log(q) + (1.0 - y) * np.log1p(-q)
    return -terms.sum(axis=(1, 2)) / p.shape[1]


def _bce_value_and_grad(p: Array, y: Array) -> tuple[Array, Array]:
    """dL/dp = (p - y) / (p (1 - p) n), with the same clipping as the value."""
    q = np.clip(p, _EPS, 1.0 - _EPS)
    grad = (q - y) / (q * (1.0 - q) * p.shape[1])
    return _bce_value(p, y), grad


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("mse", _mse_value, _mse_value_and_grad),
        Loss("bce", _bce_value, _bce_value_and_grad),
    )
}


@dataclass(frozen=True)
class FusedLoss:
    """A loss composed with the output activation, from the logits z: faster and stabler (tested equal)."""

    value: Callable[[Array, Array], Array]  # (z, y) -> (K,)
    value_and_grad: Callable[[Array, Array, Array], tuple[Array, Array]]  # (z, p, y) -> dL/dz


def _sigmoid_bce_value(z: Array, y: Array) -> Array:
    """L = mean_i [log(1 + e^z) - y z]: exact for any z, never NaN for finite z."""
    return (np.logaddexp(0.0, z) - y * z).sum(axis=(1, 2)) / z.shape[1]


def _sigmoid_bce_value_and_grad(z: Array, p: Array, y: Array) -> tuple[Array, Array]:
    """dL/dz = (sigmoid(z) - y) / n."""
    return _sigmoid_bce_value(z, y), (p - y) / z.shape[1]


FUSED: dict[tuple[str, str], FusedLoss] = {
    ("sigmoid", "bce"): FusedLoss(_sigmoid_bce_value, _sigmoid_bce_value_and_grad),
}

# Output activations each loss may follow: bce needs probabilities in (0, 1).
ALLOWED_OUTPUTS: dict[str, tuple[str, ...] | None] = {"mse": None, "bce": ("sigmoid",)}
