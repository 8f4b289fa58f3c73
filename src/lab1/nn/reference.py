"""The lab's network written to be read: one network, plain numpy, a class per step.

Shapes: ``x`` is ``(n, fan_in)``, one row per sample; ``W`` is ``(fan_in, fan_out)`` and ``b``
``(fan_out,)``, as in a run's ``params.npz``. The report quotes this code, and
``python -m lab1.check grad`` compares a student's gradients with it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray


def sigmoid(z: Array) -> Array:
    """sigma(z) = 1 / (1 + e^(-z))."""
    return 1.0 / (1.0 + np.exp(-z))


def derivative_sigmoid(a: Array) -> Array:
    """sigma'(z) = sigma(z) (1 - sigma(z)), from the output a = sigma(z)."""
    return a * (1.0 - a)


def activations(slope: float = 0.01) -> dict[str, tuple[Callable, Callable]]:
    """name -> (f(z), f'(z) from z and a = f(z)); ``slope`` is leaky_relu's for z < 0."""
    return {
        "sigmoid": (sigmoid, lambda z, a: derivative_sigmoid(a)),
        "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
        "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0.0) * 1.0),
        "leaky_relu": (lambda z: np.where(z > 0.0, z, slope * z), lambda z, a: np.where(z > 0.0, 1.0, slope)),
        "none": (lambda z: z, lambda z, a: np.ones_like(z)),
    }


class Layer:
    """A fully connected layer and its activation: a = f(x W + b)."""

    def __init__(self, W: Array, b: Array | None, activation: str, slope: float = 0.01) -> None:
        self.W, self.b = W, b
        self.f, self.df = activations(slope)[activation]

    def forward(self, x: Array) -> Array:
        """z = x W + b;  a = f(z)."""
        self.x = x
        self.z = x @ self.W + (self.b if self.b is not None else 0.0)
        self.a = self.f(self.z)
        return self.a

    def backward(self, grad_a: Array) -> Array:
        """dz = dL/da * f'(z);  dW = x^T dz;  db = sum of dz over samples;  return dx = dz W^T."""
        dz = grad_a * self.df(self.z, self.a)
        self.dW = self.x.T @ dz
        self.db = dz.sum(axis=0)
        return dz @ self.W.T


def mse(p: Array, y: Array) -> tuple[float, Array]:
    """L = mean_i (p_i - y_i)^2;  dL/dp = 2 (p - y) / n."""
    n = len(y)
    return float(np.sum((p - y) ** 2) / n), 2.0 * (p - y) / n


def bce(p: Array, y: Array) -> tuple[float, Array]:
    """L = -mean_i [y log p + (1 - y) log(1 - p)];  dL/dp = (p - y) / (p (1 - p) n)."""
    n = len(y)
    loss = -np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) / n
    return float(loss), (p - y) / (p * (1.0 - p) * n)


LOSSES = {"mse": mse, "bce": bce}


class Network:
    """Hidden layers with ``activation``, then one output unit with ``output_activation``."""

    def __init__(
        self,
        params: dict[str, Array],
        activation: str = "sigmoid",
        output_activation: str = "sigmoid",
        loss: str = "mse",
        slope: float = 0.01,
    ) -> None:
        count = sum(key.startswith("W") for key in params)
        self.layers = [
            Layer(
                params[f"W{i}"].copy(),
                params[f"b{i}"].copy() if f"b{i}" in params else None,
                output_activation if i == count else activation,
                slope,
            )
            for i in range(1, count + 1)
        ]
        self.loss = LOSSES[loss]

    def forward(self, x: Array) -> Array:
        """The output p (n, 1): each layer's output is the next one's input."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_p: Array) -> None:
        """The chain rule from the output back: dL/d(output) -> dL/d(input), layer by layer."""
        grad = grad_p
        for layer in reversed(self.layers):
            grad = layer.backward(grad)

    def update(self, lr: float) -> None:
        """One step of gradient descent: theta <- theta - lr dL/dtheta."""
        for layer in self.layers:
            layer.W -= lr * layer.dW
            if layer.b is not None:
                layer.b -= lr * layer.db

    def loss_and_grads(self, x: Array, y: Array) -> tuple[float, dict[str, Array]]:
        """The loss and every gradient, named as the parameters (W1, b1, ...)."""
        loss, grad_p = self.loss(self.forward(x), y)
        self.backward(grad_p)
        grads: dict[str, Array] = {}
        for i, layer in enumerate(self.layers, start=1):
            grads[f"W{i}"] = layer.dW
            if layer.b is not None:
                grads[f"b{i}"] = layer.db
        return loss, grads

    def params(self) -> dict[str, Array]:
        """The current parameters by name."""
        out: dict[str, Array] = {}
        for i, layer in enumerate(self.layers, start=1):
            out[f"W{i}"] = layer.W.copy()
            if layer.b is not None:
                out[f"b{i}"] = layer.b.copy()
        return out

    def train(self, x: Array, y: Array, epochs: int, lr: float) -> list[float]:
        """Full-batch gradient descent: forward, loss, backward, update, for each epoch.
        Returns the loss before each update, then the loss after the last."""
        losses = []
        for _ in range(epochs):
            loss, grad_p = self.loss(self.forward(x), y)
            self.backward(grad_p)
            self.update(lr)
            losses.append(loss)
        losses.append(self.loss(self.forward(x), y)[0])
        return losses
