"""A population of K same-shaped networks whose parameters live in one flat buffer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from lab1.nn.conv import Conv2D, Flatten, MaxPool2D, Reshape, out_size
from lab1.nn.layers import Activation, Dense, FeatureMajor, Layer

Array = np.ndarray


@dataclass(frozen=True)
class ConvSpec:
    """The convolutional front of a CNN: conv, activation, optional max pool, flatten."""

    filters: int = 8
    kernel: int = 3
    stride: int = 1
    padding: int = 0
    pool: int | None = None


@dataclass(frozen=True)
class NetSpec:
    """Shape of one member network: widths from input to output and its activations."""

    sizes: tuple[int, ...]  # (n_in, hidden..., n_out); n_in is the flat input size
    activation: str = "sigmoid"
    output_activation: str = "sigmoid"
    bias: bool = True
    slope: float = 0.01  # leaky_relu slope
    image: tuple[int, int, int] | None = None  # (C, H, W) of the input, for a CNN
    conv: ConvSpec | None = None  # a CNN's convolutional front; None: an MLP

    def _front(self) -> tuple[list[Layer], int]:
        """The layers before the first Dense one, and their flat output size."""
        if self.conv is None or self.image is None:
            return [FeatureMajor()], self.sizes[0]
        c, h, w = self.image
        cs = self.conv
        layers: list[Layer] = [
            Reshape(self.image),
            Conv2D(c, cs.filters, cs.kernel, cs.stride, cs.padding, self.bias),
            Activation(self.activation, self.slope),
        ]
        h, w = out_size(h, cs.kernel, cs.stride, cs.padding), out_size(w, cs.kernel, cs.stride, cs.padding)
        if cs.pool:
            layers.append(MaxPool2D(cs.pool))
            h, w = out_size(h, cs.pool, cs.pool), out_size(w, cs.pool, cs.pool)
        return [*layers, Flatten(), FeatureMajor()], cs.filters * h * w

    def member_bytes(self, n: int) -> int:
        """Rough bytes of one member's arrays over ``n`` samples in training (a CNN: six of its outputs)."""
        _, n_in = self._front()
        if self.conv is not None:
            return 8 * 6 * n * n_in
        widths = self.sizes
        weights = sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))
        return 8 * (4 * n * sum(widths[1:]) + 5 * weights)

    def layers(self) -> list[Layer]:
        """[CNN front,] Dense + activation for every hidden layer, then the output layer."""
        layers, n_in = self._front()
        sizes = (n_in, *self.sizes[1:])
        last = len(sizes) - 2
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            act = self.output_activation if i == last else self.activation
            layers += [Dense(fan_in, fan_out, self.bias), Activation(act, self.slope)]
        return layers


class Network:
    """K networks of one spec; ``theta`` and ``grad`` are ``(K, P)`` flat buffers."""

    def __init__(self, spec: NetSpec, k: int) -> None:
        self.spec, self.k = spec, k
        self.layers = spec.layers()
        self.slots: list[tuple[str, int, int, tuple[int, ...]]] = []  # (key, start, stop, shape)
        spans: list[tuple[int, int]] = []  # each layer's columns of the flat buffers
        offset, index = 0, 0
        for layer in self.layers:
            shapes = layer.param_shapes()
            index += bool(shapes)  # W1, b1 for the first layer with parameters, and so on
            start = offset
            for pname, shape in shapes:
                size = int(np.prod(shape))
                self.slots.append((f"{pname}{index}", offset, offset + size, shape))
                offset += size
            spans.append((start, offset))
        first = next(i for i, (a, b) in enumerate(spans) if b > a)  # no gradient is needed below it
        # the backward pass, top down, from dL/d(output) and from dL/d(logits): (step, need_dx)
        self._backward = tuple(
            tuple((layer.backward, i > first) for i, layer in reversed(list(enumerate(layers))) if i >= first)
            for layers in (self.layers, self.layers[:-1])
        )
        self.theta = np.zeros((k, offset))
        self.grad = np.zeros((k, offset))
        self.squeeze = k == 1  # a population of one runs on 2-D views (see lab1.layers)
        self._input: tuple[Array | None, Array | None] = (None, None)  # (input, its 2-D view)
        self._views: tuple[Array, Array, Array, Array] | None = None  # output, logits, and their views
        rows = 0 if self.squeeze else slice(None)
        for layer, (a, b) in zip(self.layers, spans):
            layer.bind(self.theta[rows, a:b], self.grad[rows, a:b], self.squeeze)
        for layer, after in zip(self.layers, self.layers[1:]):
            if isinstance(layer, Activation) and isinstance(after, Dense):
                layer.sink = after.input_buffer  # activations land where the next layer reads

    def forward(self, x: Array) -> Array:
        """Probabilities ``(K, n, n_out)`` of x ``(K|1, n, d)`` (a reused buffer); logits in ``logits``."""
        if self.squeeze:
            if x is not self._input[0]:  # keep one 2-D view per input, so layers can see it is unchanged
                self._input = (x, x[0])
            x = cast(Array, self._input[1])  # set with the input just above
        for layer in self.layers:
            x = layer.forward(x)
        z = cast(Activation, self.layers[-1]).z  # every spec ends in an output activation
        views = self._views
        if views is None or x is not views[0] or z is not views[1]:  # new buffers: new views (bench_core)
            a, b = (x[None], z[None]) if self.squeeze else (x, z)
            views = self._views = (x, z, a.swapaxes(-1, -2), b.swapaxes(-1, -2))
        self.logits = views[3]
        return views[2]

    def backward(self, dout: Array, from_logits: bool = False) -> None:
        """Fill ``grad`` from dL/d(output), or from dL/d(logits) when ``from_logits``."""
        grad: Array | None = dout.swapaxes(-1, -2)[0] if self.squeeze else dout.swapaxes(-1, -2)
        for backward, need_dx in self._backward[from_logits]:
            assert grad is not None  # every layer above the first trainable one returned dL/dx
            grad = backward(grad, need_dx)

    def unpack(self, row: Array) -> dict[str, Array]:
        """One member's flat parameter row by name (``W1, b1, ...``), W as ``(fan_in, fan_out)``."""
        return {key: row[a:b].reshape(shape).copy() for key, a, b, shape in self.slots}

    def set_params(self, member: int, params: dict[str, Array]) -> None:
        """Load one member's parameters by name."""
        for key, a, b, _ in self.slots:
            self.theta[member, a:b] = np.asarray(params[key], dtype=np.float64).ravel()


Shape = tuple[int, ...]


def _normal(rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int) -> Array:
    """Standard normal, as the lab reports initialise."""
    return rng.standard_normal(shape)


def _xavier(rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int) -> Array:
    """Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape)


def _he(rng: np.random.Generator, shape: Shape, fan_in: int, fan_out: int) -> Array:
    """He (Kaiming) normal: N(0, 2 / fan_in)."""
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)


def fans(shape: Shape) -> tuple[int, int]:
    """(fan_in, fan_out): a Dense W is (fan_in, fan_out); a Conv2D W (filters, channels, kh, kw)."""
    if len(shape) == 2:
        return shape[0], shape[1]
    field = int(np.prod(shape[2:]))
    return shape[1] * field, shape[0] * field


INITS: dict[str, Callable[[np.random.Generator, Shape, int, int], Array]] = {
    "normal": _normal,
    "xavier": _xavier,
    "he": _he,
}

INIT_STREAM = 1  # SeedSequence spawn key of the weight-initialisation stream


def init_rng(seed: int, stream: int) -> np.random.Generator:
    """The generator of one named random stream of a run's seed."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))


def initialise(net: Network, seeds: Sequence[int] | Array, scheme: str) -> None:
    """Draw each member's weights from its own seed; biases start at zero."""
    if scheme not in INITS:
        raise ValueError(f"unknown init {scheme!r}; choose one of {', '.join(INITS)}")
    draw = INITS[scheme]
    net.theta[...] = 0.0
    for member, seed in enumerate(seeds):
        rng = init_rng(int(seed), INIT_STREAM)
        for key, a, b, shape in net.slots:
            if key.startswith("W"):
                net.theta[member, a:b] = draw(rng, shape, *fans(shape)).ravel()


def predict(spec: NetSpec, params: dict[str, Array], X: Array) -> Array:
    """Output probabilities ``(n,)`` of one network with the given parameters."""
    net = Network(spec, 1)
    net.set_params(0, params)
    with np.errstate(all="ignore"):
        return net.forward(np.asarray(X, dtype=np.float64)[None])[0, :, 0].copy()
