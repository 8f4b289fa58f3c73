"""Layers of a population of networks, forward beside backward; parameters are views of the flat
``(K, P)`` buffer. Dense layers work feature-major, ``(K, features, n)``, so an activation writes
straight into the next layer's input buffer ``[x; 1]``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np

from lab1.nn.activations import get_activation

Array = np.ndarray


class Layer:
    """Base class: a layer with no parameters."""

    squeeze = False  # True: arrays carry no member axis (a population of one)

    def param_shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        """Per-member shapes of this layer's parameters, in storage order."""
        return []

    def bind(self, params: Array, grads: Array, squeeze: bool) -> None:
        """Attach this layer's ``(K, size)`` (squeezed: ``(size,)``) slice of the flat buffers."""
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


class ViewLayer(Layer):
    """A layer whose forward is a view of its input, the same object for the same input."""

    def __init__(self) -> None:
        self._last: tuple[Array | None, Array | None] = (None, None)

    def view(self, x: Array) -> Array:
        """The view itself."""
        raise NotImplementedError

    def forward(self, x: Array) -> Array:
        """``view(x)``, made once per input object."""
        if x is not self._last[0]:
            self._last = (x, self.view(x))
        return cast(Array, self._last[1])  # set with the input just above (None only before any)


class FeatureMajor(ViewLayer):
    """Sample-major ``(..., n, d)`` to feature-major ``(..., d, n)``: a view both ways."""

    def view(self, x: Array) -> Array:
        """The transposed view."""
        return x.swapaxes(-1, -2)

    def backward(self, dy: Array, need_dx: bool = True) -> Array | None:
        """The gradient, sample-major again."""
        return dy.swapaxes(-1, -2) if need_dx else None


@dataclass
class _Plan:
    """A Dense layer's buffers for one input shape."""

    xa: Array  # [x; 1] (K|1, fan_in + 1, n), or x's own buffer without bias
    view: Array  # its x rows: where the activation before this layer writes
    z: Array  # (K, fan_out, n)
    dx: Array  # (K, fan_in, n)
    shared_grad: Array | None  # [x; 1] dz^T of all members at once when they share x; None: each its own


class Dense(Layer):
    """Affine layer z = [W; b]^T [x; 1]: x ``(K|1, fan_in, n)`` -> z ``(K, fan_out, n)``."""

    def __init__(self, fan_in: int, fan_out: int, bias: bool = True) -> None:
        self.fan_in, self.fan_out, self.bias = fan_in, fan_out, bias
        self._plans: dict[tuple[int, ...], _Plan] = {}
        self._copied: Array | None = None  # a read-only input already in the buffer
        self._ready: Array | None = None  # the last input, when it needs no copy: its plan is ``plan``

    def param_shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        """W then b (absent without bias): contiguous, so together they are [W; b]."""
        shapes = [("W", (self.fan_in, self.fan_out))]
        return shapes + ([("b", (self.fan_out,))] if self.bias else [])

    def bind(self, params: Array, grads: Array, squeeze: bool) -> None:
        """Keep [W; b], its gradient, and the views forward and backward multiply by."""
        super().bind(params, grads, squeeze)
        shape = (self.fan_in + self.bias, self.fan_out)
        self.k = 1 if squeeze else params.shape[0]
        lead = () if squeeze else (self.k,)
        self.Wb = params.reshape(lead + shape)
        self.dWb = grads.reshape(lead + shape)
        self.WbT = self.Wb.swapaxes(-1, -2)  # views of the live weights
        self.W = self.Wb[..., : self.fan_in, :]
        self.mm = np.dot if squeeze else np.matmul  # np.dot: fastest for 2-D tiny matrices
        # dx of a one-unit layer is an outer product: a broadcast multiply beats a matmul
        self.outer = self.fan_out == 1 and not squeeze
        self._plans.clear()
        self._ready = None

    def _plan(self, shape: tuple[int, ...]) -> _Plan:
        """Buffers for inputs of this shape."""
        plan = self._plans.get(shape)
        if plan is None:
            n = shape[-1]
            lead = shape[:-2]  # () or (K|1,)
            out_lead = lead if self.squeeze else (self.k,)
            xa = np.ones(lead + (self.fan_in + self.bias, n))
            plan = _Plan(
                xa=xa,
                view=xa[..., : self.fan_in, :],
                z=np.empty(out_lead + (self.fan_out, n)),
                dx=np.empty(out_lead + (self.fan_in, n)),
                shared_grad=None
                if self.squeeze or lead[0] == self.k
                else np.empty(xa.shape[1:2] + (self.k * self.fan_out,)),
            )
            self._plans[shape] = plan
        return plan

    def input_buffer(self, shape: tuple[int, ...]) -> Array:
        """Where the layer before may write an input of this shape, saving a copy."""
        return self._plan(shape).view

    def forward(self, x: Array) -> Array:
        """z = [W; b]^T [x; 1]."""
        if x is not self._ready:  # the same input as last time is where it was: no lookup (bench_core)
            plan = self._plan(x.shape)
            if x is not plan.view and x is not self._copied:
                plan.view[...] = x
                # the training data is read-only: it cannot change, so it is copied once
                self._copied = x if _immutable(x) else None
            self.plan = plan
            self._ready = x if x is plan.view or x is self._copied else None
        plan = self.plan
        xa = plan.xa
        if plan.shared_grad is None:  # each member its own input
            return self.mm(self.WbT, xa, plan.z)  # out positional: np.dot's keyword path is slower
        # shared input: every member's [W; b]^T stacked, times [x; 1], in one product
        stacked = self.WbT.reshape(-1, xa.shape[1])  # (K * fan_out, fan_in + 1), a copy
        np.dot(stacked, xa[0], plan.z.reshape(-1, xa.shape[2]))
        return plan.z

    def backward(self, dy: Array, need_dx: bool = True) -> Array | None:
        """d[W; b] = [x; 1] dy^T;  dx = W dy."""
        xa = self.plan.xa
        if self.plan.shared_grad is None:
            self.mm(xa, dy.swapaxes(-1, -2), self.dWb)
        else:  # shared input: one product for all members, then into each member's slot
            n = xa.shape[2]
            grads = np.dot(xa[0], dy.reshape(-1, n).T, self.plan.shared_grad)  # (fan_in + 1, K * fan_out)
            np.copyto(self.dWb, grads.reshape(xa.shape[1], self.k, self.fan_out).swapaxes(0, 1))
        if not need_dx:
            return None
        if self.outer:
            return np.multiply(self.W, dy, out=self.plan.dx)
        return self.mm(self.W, dy, self.plan.dx)


class Activation(Layer):
    """Elementwise activation by name; its output goes where ``sink`` says, else to its own buffer."""

    def __init__(self, name: str, slope: float = 0.01) -> None:
        self.name, self.fn, self.slope = name, get_activation(name), slope
        self.sink: Callable[[tuple[int, ...]], Array] | None = None
        self._bufs: dict[tuple[int, ...], tuple[Array, tuple[Array, Array]]] = {}
        self.z: Array = np.empty(0)  # the last input (none yet: a placeholder no input is)

    def _buffers(self, shape: tuple[int, ...]) -> tuple[Array, tuple[Array, Array]]:
        """(output, two scratch arrays) for inputs of this shape."""
        bufs = self._bufs.get(shape)
        if bufs is None:
            out = self.sink(shape) if self.sink is not None else np.empty(shape)
            bufs = self._bufs[shape] = (out, (np.empty(shape), np.empty(shape)))
        return bufs

    def forward(self, x: Array) -> Array:
        """a = f(z)."""
        if x is not self.z:  # a new input: its buffers (the same input keeps them, bench_core)
            self.z = x
            self.out, self.tmp = self._buffers(x.shape)
        self.a = self.fn.forward(x, self.out, self.slope, self.tmp)
        return self.a

    def backward(self, dy: Array, need_dx: bool = True) -> Array | None:
        """dz = f'(z) * da, computed in place in dy."""
        return self.fn.backward(self.z, self.a, dy, dy, self.slope, self.tmp[0])
