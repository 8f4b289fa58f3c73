"""A hand-tuned numpy population of the lab network: the yardstick of bench_sweep.

The lab network (2-10-10-1, sigmoid, MSE, plain SGD, full batch) for K members at once,
written the way issue 4 describes its reference: K-first stacked arrays, batched
``np.matmul``, preallocated buffers, every operation in place, nothing else (no history,
no accuracy, no divergence checks). ``bench_sweep.py`` times lab1's population core
beside it in the same run and prints the ratio.
"""

from __future__ import annotations

import time

import numpy as np

Array = np.ndarray


def _sigmoid(z: Array) -> None:
    """z <- 1 / (1 + exp(-z)), in place."""
    np.negative(z, out=z)
    np.exp(z, out=z)
    z += 1.0
    np.reciprocal(z, out=z)


def _sigmoid_back(a: Array, d: Array, tmp: Array) -> None:
    """d <- d * a (1 - a), in place."""
    np.subtract(1.0, a, out=tmp)
    tmp *= a
    d *= tmp


def train_reference(X: Array, y: Array, lr: Array, seeds: list[int], epochs: int) -> float:
    """Train K members for ``epochs`` epochs; return the wall seconds of the loop.

    X ``(K|1, n, 2)``, y ``(K|1, n, 1)``, lr ``(K,)``.
    """
    k, n = len(seeds), X.shape[1]
    sizes = (2, 10, 10, 1)
    rngs = [np.random.default_rng(s) for s in seeds]
    W = [np.stack([r.standard_normal((a, b)) for r in rngs]) for a, b in zip(sizes[:-1], sizes[1:])]
    b = [np.zeros((k, 1, s)) for s in sizes[1:]]
    gW = [np.empty_like(w) for w in W]
    gb = [np.empty_like(v) for v in b]
    A = [np.empty((k, n, s)) for s in sizes[1:]]  # activations
    D = [np.empty((k, n, s)) for s in sizes[1:]]  # gradients w.r.t. pre-activations
    T = [np.empty((k, n, s)) for s in sizes[1:]]  # scratch
    WT = [w.swapaxes(1, 2) for w in W]
    inputs = [X, A[0], A[1]]
    inputsT = [x.swapaxes(1, 2) for x in inputs]
    step = lr[:, None, None]
    scale = 2.0 / n

    start = time.perf_counter()
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            for i in range(3):
                np.matmul(inputs[i], W[i], out=A[i])
                A[i] += b[i]
                _sigmoid(A[i])
            np.subtract(A[2], y, out=D[2])
            np.einsum("kni,kni->k", D[2], D[2])  # the loss, as every epoch computes it
            D[2] *= scale
            _sigmoid_back(A[2], D[2], T[2])
            for i in (2, 1, 0):
                np.matmul(inputsT[i], D[i], out=gW[i])
                np.sum(D[i], axis=1, keepdims=True, out=gb[i])
                if i:
                    np.matmul(D[i], WT[i], out=D[i - 1])
                    _sigmoid_back(A[i - 1], D[i - 1], T[i - 1])
            for i in range(3):
                gW[i] *= step
                W[i] -= gW[i]
                gb[i] *= step
                b[i] -= gb[i]
    return time.perf_counter() - start
