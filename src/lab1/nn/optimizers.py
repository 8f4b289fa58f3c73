"""Optimizers with ``torch.optim``'s update rules, updating a ``(K, P)`` buffer in place; every
hyperparameter is a ``(K, 1)`` column, so each member may have its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import ClassVar

import numpy as np

Array = np.ndarray


@dataclass
class Optimizer:
    """Base: hyperparameters as ``(K, 1)`` columns and a step counter."""

    lr: Array
    weight_decay: Array
    t: int = 0
    flags: ClassVar[tuple[str, ...]] = ()  # boolean hyperparameters (same for a population)
    state: ClassVar[tuple[str, ...]] = ()  # names of the (K, P) state arrays

    def __post_init__(self) -> None:
        self.decay = bool(np.any(self.weight_decay))

    def init_state(self, shape: tuple[int, int]) -> None:
        """Allocate state arrays for parameters of this shape."""

    def reset_members(self, mask: Array) -> None:
        """Zero the state of the masked members (used to silence a diverged member)."""
        for name in self.state:
            value = getattr(self, name)
            if value is not None:
                value[mask] = 0.0

    def _decayed(self, theta: Array, grad: Array) -> Array:
        """g + weight_decay * theta (L2 penalty, as torch adds it to the gradient)."""
        return grad + self.weight_decay * theta if self.decay else grad

    def step(self, theta: Array, grad: Array) -> None:
        """One update of ``theta`` in place."""
        raise NotImplementedError


@dataclass
class SGD(Optimizer):
    """torch.optim.SGD: b = mu b + (1 - tau) g (b = g at t = 1); g = g + mu b if nesterov."""

    momentum: Array = None  # type: ignore[assignment]
    dampening: Array = None  # type: ignore[assignment]
    nesterov: bool = False
    flags: ClassVar[tuple[str, ...]] = ("nesterov",)
    state: ClassVar[tuple[str, ...]] = ("buf",)

    def init_state(self, shape: tuple[int, int]) -> None:
        """Momentum buffer, only when some member uses momentum."""
        self.use_momentum = bool(np.any(self.momentum))
        self.buf = np.zeros(shape) if self.use_momentum else None

    def step(self, theta: Array, grad: Array) -> None:
        """theta -= lr * g."""
        self.t += 1
        g = self._decayed(theta, grad)
        if self.use_momentum:
            buf = self.buf
            assert buf is not None  # allocated by init_state whenever use_momentum
            if self.t == 1:
                buf[...] = g
            else:
                buf *= self.momentum
                buf += (1.0 - self.dampening) * g
            g = g + self.momentum * buf if self.nesterov else buf
        theta -= self.lr * g


@dataclass
class Adagrad(Optimizer):
    """torch.optim.Adagrad: s += g^2; theta -= lr / (1 + (t - 1) decay) * g / (sqrt(s) + eps)."""

    lr_decay: Array = None  # type: ignore[assignment]
    initial_accumulator_value: Array = None  # type: ignore[assignment]
    eps: Array = None  # type: ignore[assignment]
    state: ClassVar[tuple[str, ...]] = ("sum",)

    def init_state(self, shape: tuple[int, int]) -> None:
        """Sum of squared gradients, starting at initial_accumulator_value."""
        self.sum = np.broadcast_to(self.initial_accumulator_value, shape).copy()

    def step(self, theta: Array, grad: Array) -> None:
        """One Adagrad update."""
        self.t += 1
        g = self._decayed(theta, grad)
        clr = self.lr / (1.0 + (self.t - 1) * self.lr_decay)
        self.sum += g * g
        denom = np.sqrt(self.sum)
        denom += self.eps
        theta -= clr * g / denom


@dataclass
class RMSprop(Optimizer):
    """torch.optim.RMSprop: v = alpha v + (1 - alpha) g^2, optional centering and momentum."""

    alpha: Array = None  # type: ignore[assignment]
    eps: Array = None  # type: ignore[assignment]
    momentum: Array = None  # type: ignore[assignment]
    centered: bool = False
    flags: ClassVar[tuple[str, ...]] = ("centered",)
    state: ClassVar[tuple[str, ...]] = ("square_avg", "grad_avg", "buf")

    def init_state(self, shape: tuple[int, int]) -> None:
        """Square average, plus gradient average when centered and a momentum buffer."""
        self.square_avg = np.zeros(shape)
        self.grad_avg = np.zeros(shape) if self.centered else None
        self.use_momentum = bool(np.any(self.momentum))
        self.buf = np.zeros(shape) if self.use_momentum else None

    def step(self, theta: Array, grad: Array) -> None:
        """One RMSprop update."""
        self.t += 1
        g = self._decayed(theta, grad)
        self.square_avg *= self.alpha
        self.square_avg += (1.0 - self.alpha) * g * g
        if self.centered:
            self.grad_avg *= self.alpha
            self.grad_avg += (1.0 - self.alpha) * g
            avg = np.sqrt(self.square_avg - self.grad_avg * self.grad_avg)
        else:
            avg = np.sqrt(self.square_avg)
        avg += self.eps
        if self.use_momentum:
            self.buf *= self.momentum
            self.buf += g / avg
            theta -= self.lr * self.buf
        else:
            theta -= self.lr * g / avg


@dataclass
class Adam(Optimizer):
    """torch.optim.Adam (L2 weight decay, optional AMSGrad as torch implements it).

    m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  with AMSGrad v_max = max(v_max, v)
    and v replaced by v_max below;  theta -= lr / (1 - b1^t) * m / (sqrt(v / (1 - b2^t)) + eps).
    """

    beta1: Array = None  # type: ignore[assignment]
    beta2: Array = None  # type: ignore[assignment]
    eps: Array = None  # type: ignore[assignment]
    amsgrad: bool = False
    flags: ClassVar[tuple[str, ...]] = ("amsgrad",)
    state: ClassVar[tuple[str, ...]] = ("m", "v", "v_max")

    def init_state(self, shape: tuple[int, int]) -> None:
        """First and second moments (and their running max for AMSGrad)."""
        self.m = np.zeros(shape)
        self.v = np.zeros(shape)
        self.v_max = np.zeros(shape) if self.amsgrad else None

    def step(self, theta: Array, grad: Array) -> None:
        """One Adam update."""
        self.t += 1
        g = self._decayed(theta, grad)
        self.m *= self.beta1
        self.m += (1.0 - self.beta1) * g
        self.v *= self.beta2
        self.v += (1.0 - self.beta2) * (g * g)
        v = self.v
        if self.amsgrad:
            v_max = self.v_max
            assert v_max is not None  # allocated by init_state whenever amsgrad
            np.maximum(v_max, self.v, out=v_max)
            v = v_max
        step_size = self.lr / (1.0 - self.beta1**self.t)
        denom = np.sqrt(v)
        denom /= np.sqrt(1.0 - self.beta2**self.t)
        denom += self.eps
        theta -= step_size * self.m / denom


# config name -> class (``sgd`` and ``momentum`` differ only in their default momentum)
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": SGD,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
}


def hyperparameter_names(name: str) -> tuple[list[str], list[str]]:
    """(per-member scalar names, population-wide boolean flag names) of an optimizer."""
    cls = OPTIMIZERS[name]
    names = [f.name for f in fields(cls) if f.name != "t"]
    flags = [n for n in names if n in cls.flags]
    return [n for n in names if n not in cls.flags], flags


def make_optimizer(
    name: str, scalars: dict[str, Array], flags: dict[str, bool], shape: tuple[int, int]
) -> Optimizer:
    """Build an optimizer from ``(K, 1)`` scalar columns and flags, with its state allocated."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    # hyperparameters go by name: their types are the dataclass fields', not checked here
    cls: Callable[..., Optimizer] = OPTIMIZERS[name]
    opt = cls(**scalars, **flags)
    opt.init_state(shape)
    return opt
