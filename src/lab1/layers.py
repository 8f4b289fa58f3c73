"""Layers of a population of networks: forward and backward side by side.

Every array carries the member axis first: inputs are ``(K, n, fan_in)`` (or
``(1, n, fan_in)`` when all members share the data), parameters are ``(K, ...)`` views
into one flat ``(K, P)`` buffer owned by the network, so an optimizer updates all of them
with a few whole-array operations. A population of one is run on 2-D views
(``squeeze``): the same code without the member axis, where ``np.dot`` is fastest.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lab1.activations import get_activation

Array = np.ndarray


class Layer:
    """Base class: a layer with no parameters."""

    squeeze = False  # True: arrays carry no member axis (a population of one)

    def param_shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        """Per-member shapes of this layer's parameters, in storage order."""
        return []

    def bind(self, params: Array, grads: Array, squeeze: bool) -> None:
        """Attach this layer's slice of the flat parameter and gradient buffers.

        ``params``/``grads`` are ``(K, size)`` (or ``(size,)`` when ``squeeze``).
        """
        self.squeeze = squeeze

    def forward(self, x: Array) -> Array:
        """Compute the layer output, remembering what backward needs."""
        raise NotImplementedError

    def backward(self, dy: Array, need_dx: bool = True) -> Array | None:
        """Write parameter gradients; return dL/dx when asked."""
        raise NotImplementedError


def _immutable(x: Array) -> bool:
    """Whether x's memory belongs to a read-only array (numpy collapses ``base`` to the owner)."""
    owner = x if x.base is None else x.base
    return isinstance(owner, np.ndarray) and not owner.flags.writeable and owner.base is None


def _matmul(squeeze: bool) -> Callable[..., Array]:
    """``np.dot`` for 2-D operands (fastest for tiny matrices), else ``np.matmul``."""
    return np.dot if squeeze else np.matmul


class Dense(Layer):
    """Affine layer z = x W + b, stored as one augmented matrix [W; b] per member.

    The bias is the last row of ``Wb`` ``(K, fan_in + 1, fan_out)`` and the input gets a
    column of ones, so forward is one matmul and ``dWb = [x, 1]^T dz`` yields db too.
    """

    def __init__(self, fan_in: int, fan_out: int, bias: bool = True) -> None:
        self.fan_in, self.fan_out, self.bias = fan_in, fan_out, bias
        self._inputs: dict[tuple[int, ...], Array] = {}
        self._copied: Array | None = None  # a read-only input already in the buffer

    def param_shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        """W then b (absent without bias): contiguous, so together they are [W; b]."""
        shapes = [("W", (self.fan_in, self.fan_out))]
        return shapes + ([("b", (self.fan_out,))] if self.bias else [])

    def bind(self, params: Array, grads: Array, squeeze: bool) -> None:
        """Keep [W; b], its gradient, and W^T for the input gradient."""
        super().bind(params, grads, squeeze)
        shape = (self.fan_in + self.bias, self.fan_out)
        lead = () if squeeze else (params.shape[0],)
        self.Wb = params.reshape(lead + shape)
        self.dWb = grads.reshape(lead + shape)
        self.WT = self.Wb[..., : self.fan_in, :].swapaxes(-1, -2)  # a view of live weights
        self.mm = _matmul(squeeze)

    def _augment(self, x: Array) -> Array:
        """[x, 1]: x copied into a cached buffer whose last column is ones.

        A read-only array that owns its data (the training data) cannot have changed since
        it was last copied, so it is copied once, not every epoch.
        """
        if not self.bias:
            return x
        buf = self._inputs.get(x.shape)
        if buf is None:
            buf = np.ones(x.shape[:-1] + (self.fan_in + 1,))
            self._inputs[x.shape] = buf
        elif x is self._copied:
            return buf
        buf[..., : self.fan_in] = x
        self._copied = x if _immutable(x) else None
        return buf

    def forward(self, x: Array) -> Array:
        """z = [x, 1] @ [W; b]; x ``(K|1, n, fan_in)`` -> z ``(K, n, fan_out)``."""
        self.xa = self._augment(x)
        return self.mm(self.xa, self.Wb)

    def backward(self, dy: Array, need_dx: bool = True) -> Array | None:
        """d[W; b] = [x, 1]^T dy;  dx = dy W^T."""
        self.mm(self.xa.swapaxes(-1, -2), dy, out=self.dWb)
        return self.mm(dy, self.WT) if need_dx else None


class Activation(Layer):
    """Elementwise activation by name (see ``lab1.activations``)."""

    def __init__(self, name: str, slope: float = 0.01) -> None:
        self.name, self.fn, self.slope = name, get_activation(name), slope

    def forward(self, x: Array) -> Array:
        """a = f(z)."""
        self.z = x
        self.a = self.fn.forward(x, np.empty_like(x), self.slope)
        return self.a

    def backward(self, dy: Array, need_dx: bool = True) -> Array | None:
        """dz = f'(z) * da, computed in place in dy."""
        return self.fn.backward(self.z, self.a, dy, dy, self.slope)
