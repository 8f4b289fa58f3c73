"""Convolutional layers of a population on images ``(K|1, n, C, H, W)``: forward beside backward."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lab1.nn.layers import Layer, ViewLayer, _immutable

Array = np.ndarray


def out_size(size: int, kernel: int, stride: int, padding: int = 0) -> int:
    """Output length of a convolution or pooling along one axis."""
    return (size + 2 * padding - kernel) // stride + 1


def _members(x: Array, squeeze: bool) -> Array:
    return x[None] if squeeze else x


def _strip(y: Array, squeeze: bool) -> Array:
    return y[0] if squeeze else y


class Reshape(ViewLayer):
    """Flat inputs ``(..., n, C*H*W)`` as images ``(..., n, C, H, W)``."""

    def __init__(self, shape: tuple[int, int, int]) -> None:
        super().__init__()
        self.shape = tuple(shape)

    def view(self, x: Array) -> Array:
        """A view with the image axes."""
        return x.reshape(x.shape[:-1] + self.shape)

    def backward(self, dy: Array, need_dx: bool = True) -> Array | None:
        """The gradient, flat again."""
        return dy.reshape(dy.shape[:-3] + (-1,)) if need_dx else None


class Flatten(Layer):
    """Images ``(..., n, C, H, W)`` as vectors ``(..., n, C*H*W)`` (C-order: channel, row, column)."""

    def forward(self, x: Array) -> Array:
        """Keep the image shape for backward; return a flat copy or view."""
        self.shape = x.shape
        return x.reshape(x.shape[:-3] + (-1,))

    def backward(self, dy: Array, need_dx: bool = True) -> Array | None:
        """The gradient in image shape."""
        return dy.reshape(self.shape) if need_dx else None


class Conv2D(Layer):
    """2-D cross-correlation with bias, im2col: W ``(filters, channels, k, k)``, b ``(filters,)``;
    ``y[f, i, j] = b[f] + sum_{c, u, v} W[f, c, u, v] * xpad[c, i*stride + u, j*stride + v]``."""

    def __init__(
        self, channels: int, filters: int, kernel: int, stride: int = 1, padding: int = 0, bias: bool = True
    ) -> None:
        self.channels, self.filters, self.kernel = channels, filters, kernel
        self.stride, self.padding, self.bias = stride, padding, bias
        self._seen: Array | None = None  # a read-only input whose patches are in self.cols

    def param_shapes(self) -> list[tuple[str, tuple[int, ...]]]:
        """W then b."""
        shapes = [("W", (self.filters, self.channels, self.kernel, self.kernel))]
        return shapes + ([("b", (self.filters,))] if self.bias else [])

    def bind(self, params: Array, grads: Array, squeeze: bool) -> None:
        """Views of W and b (a leading member axis of 1 when squeezed)."""
        super().bind(params, grads, squeeze)
        k = 1 if squeeze else params.shape[0]
        params, grads = params.reshape(k, -1), grads.reshape(k, -1)
        size = self.filters * self.channels * self.kernel**2
        self.W = params[:, :size].reshape(k, self.filters, -1)  # (K, F, C*kh*kw)
        self.dW = grads[:, :size].reshape(k, self.filters, -1)
        self.b = params[:, size:] if self.bias else None  # (K, F)
        self.db = grads[:, size:] if self.bias else None
        # [W b] per filter: the patches carry a column of ones, so one matmul adds the bias
        # forward and yields db beside dW backward
        self.Wb = np.empty((k, self.filters, self.channels * self.kernel**2 + self.bias))
        self.dWb = np.empty_like(self.Wb)

    def _patches(self, x: Array) -> None:
        """Every patch of x as a row of ``self.cols`` ``(K|1, n*Ho*Wo, C*kh*kw [+ 1 for the bias])``."""
        p = self.padding
        xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p, p), (p, p)]) if p else x
        s, kk = self.stride, self.kernel
        patches = sliding_window_view(xp, (kk, kk), axis=(-2, -1))[:, :, :, ::s, ::s]  # (K,n,C,Ho,Wo,kh,kw)
        k, n, c, ho, wo = patches.shape[:5]
        self.in_shape, self.out_hw = xp.shape, (ho, wo)
        size = c * kk * kk
        self.cols = np.ones((k, n * ho * wo, size + self.bias))
        self.cols[..., :size] = patches.transpose(0, 1, 3, 4, 2, 5, 6).reshape(k, n * ho * wo, size)

    def forward(self, x: Array) -> Array:
        """x ``(K|1, n, C, H, W)`` -> ``(K, n, F, Ho, Wo)``."""
        if x is not self._seen:  # the training data cannot change: its patches are kept
            self._patches(_members(x, self.squeeze))
            self._seen = x if _immutable(x) else None
        n = self.in_shape[1]
        ho, wo = self.out_hw
        self.Wb[..., : self.W.shape[-1]] = self.W
        if self.bias:
            self.Wb[..., -1] = self.b
        y = np.matmul(self.cols, self.Wb.swapaxes(-1, -2))  # (K, n*Ho*Wo, F)
        y = y.reshape(y.shape[0], n, ho, wo, self.filters).transpose(0, 1, 4, 2, 3)
        return _strip(np.ascontiguousarray(y), self.squeeze)

    def backward(self, dy: Array, need_dx: bool = True) -> Array | None:
        """[dW db] = dy^T [cols 1], dx = col2im(dy W)."""
        dy = _members(dy, self.squeeze)
        k, n = dy.shape[0], dy.shape[1]
        ho, wo = self.out_hw
        dflat = dy.transpose(0, 1, 3, 4, 2).reshape(k, n * ho * wo, self.filters)  # (K, n*Ho*Wo, F)
        np.matmul(dflat.swapaxes(-1, -2), self.cols, out=self.dWb)  # (K, F, C*kh*kw [+ 1])
        self.dW[...] = self.dWb[..., : self.dW.shape[-1]]
        if self.bias:
            assert self.db is not None  # bind makes db whenever there is a bias
            self.db[...] = self.dWb[..., -1]
        if not need_dx:
            return None
        kk, s = self.kernel, self.stride
        dcols = np.matmul(dflat, self.W).reshape(k, n, ho, wo, self.channels, kk, kk)
        dx = np.zeros((k,) + self.in_shape[1:])
        for u in range(kk):  # one slice-add per kernel offset
            for v in range(kk):
                dx[..., u : u + s * ho : s, v : v + s * wo : s] += dcols[..., u, v].transpose(0, 1, 4, 2, 3)
        p = self.padding
        if p:
            dx = dx[..., p:-p, p:-p]
        return _strip(np.ascontiguousarray(dx), self.squeeze)


class MaxPool2D(Layer):
    """Max over ``size x size`` windows moved by ``stride`` (default: ``size``)."""

    def __init__(self, size: int, stride: int | None = None) -> None:
        self.size, self.stride = size, stride or size

    def forward(self, x: Array) -> Array:
        """x ``(K, n, C, H, W)`` -> ``(K, n, C, Ho, Wo)``; remembers where each max came from."""
        x = _members(x, self.squeeze)
        s, kk = self.stride, self.size
        windows = sliding_window_view(x, (kk, kk), axis=(-2, -1))[..., ::s, ::s, :, :]
        flat = windows.reshape(windows.shape[:-2] + (kk * kk,))
        self.arg = flat.argmax(axis=-1)  # first maximum of each window
        self.in_shape = x.shape
        y = np.take_along_axis(flat, self.arg[..., None], axis=-1)[..., 0]
        return _strip(y, self.squeeze)

    def backward(self, dy: Array, need_dx: bool = True) -> Array | None:
        """Each window's gradient goes to its maximum."""
        if not need_dx:
            return None
        dy = _members(dy, self.squeeze)
        s, kk = self.stride, self.size
        ho, wo = dy.shape[-2:]
        dx = np.zeros(self.in_shape)
        for u in range(kk):  # one masked slice-add per window offset
            for v in range(kk):
                hit = self.arg == u * kk + v
                dx[..., u : u + s * ho : s, v : v + s * wo : s] += np.where(hit, dy, 0.0)
        return _strip(dx, self.squeeze)
