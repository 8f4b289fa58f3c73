"""Activation functions, each with its derivative beside it: forward writes into ``out``; backward
turns dL/da into dL/dz, in place when ``out is grad``; ``tmp`` is scratch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class ActivationFn:
    """An elementwise function and its derivative, as one table entry."""

    name: str
    forward: Callable[[Array, Array, float, tuple[Array, Array]], Array]  # (z, out, slope, tmp) -> a
    backward: Callable[[Array, Array, Array, Array, float, Array], Array]  # (z, a, grad, out, slope, tmp)


# 1 / e: np.reciprocal below this many elements (less call overhead), np.divide(1, e) above
# (a SIMD loop); the same bits either way (benchmarks/bench_core.py, bench_sweep.py).
RECIPROCAL_BELOW = 3000
ONE = np.array(1.0)  # a 0-d array: numpy converts a Python float on every call (benchmarks/bench_core.py)


def _sigmoid(z: Array, out: Array, slope: float, tmp: tuple[Array, Array]) -> Array:
    """a = 1 / (1 + exp(-z)) (an overflowing exp gives 0), on scratch; only the last step writes ``out``."""
    e = np.exp(np.negative(z, out=tmp[0]), out=tmp[1])
    np.add(e, ONE, out=e)
    if e.size < RECIPROCAL_BELOW:
        return np.reciprocal(e, out=out)
    return np.divide(1.0, e, out=out)  # the same bits as np.reciprocal, but a SIMD loop


def _sigmoid_back(z: Array, a: Array, grad: Array, out: Array, slope: float, tmp: Array) -> Array:
    """da/dz = a (1 - a)."""
    np.subtract(ONE, a, out=tmp)
    np.multiply(tmp, a, out=tmp)
    return np.multiply(grad, tmp, out=out)


def _tanh(z: Array, out: Array, slope: float, tmp: tuple[Array, Array]) -> Array:
    """a = tanh(z)."""
    return np.tanh(z, out=out)


def _tanh_back(z: Array, a: Array, grad: Array, out: Array, slope: float, tmp: Array) -> Array:
    """da/dz = 1 - a^2."""
    np.multiply(a, a, out=tmp)
    np.subtract(ONE, tmp, out=tmp)
    return np.multiply(grad, tmp, out=out)


def _relu(z: Array, out: Array, slope: float, tmp: tuple[Array, Array]) -> Array:
    """a = max(z, 0)."""
    return np.maximum(z, 0.0, out=out)


def _relu_back(z: Array, a: Array, grad: Array, out: Array, slope: float, tmp: Array) -> Array:
    """da/dz = 1 where z > 0, else 0 (the subgradient 0 at z = 0)."""
    return np.multiply(grad, z > 0.0, out=out)


def _leaky_relu(z: Array, out: Array, slope: float, tmp: tuple[Array, Array]) -> Array:
    """a = z where z > 0, else slope * z; written so ``out`` may alias ``z``."""
    neg = np.minimum(z, 0.0)
    np.maximum(z, 0.0, out=out)
    neg *= slope
    return np.add(out, neg, out=out)


def _leaky_relu_back(z: Array, a: Array, grad: Array, out: Array, slope: float, tmp: Array) -> Array:
    """da/dz = 1 where z > 0, else slope."""
    factor = np.where(z > 0.0, 1.0, slope)
    return np.multiply(grad, factor, out=out)


def _identity(z: Array, out: Array, slope: float, tmp: tuple[Array, Array]) -> Array:
    """a = z."""
    if out is not z:
        np.copyto(out, z)
    return out


def _identity_back(z: Array, a: Array, grad: Array, out: Array, slope: float, tmp: Array) -> Array:
    """da/dz = 1."""
    if out is not grad:
        np.copyto(out, grad)
    return out


ACTIVATIONS: dict[str, ActivationFn] = {
    a.name: a
    for a in (
        ActivationFn("sigmoid", _sigmoid, _sigmoid_back),
        ActivationFn("tanh", _tanh, _tanh_back),
        ActivationFn("relu", _relu, _relu_back),
        ActivationFn("leaky_relu", _leaky_relu, _leaky_relu_back),
        ActivationFn("none", _identity, _identity_back),
    )
}


def get_activation(name: str) -> ActivationFn:
    """Look up an activation by name; an unknown name lists the valid ones."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None
