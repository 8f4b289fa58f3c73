"""Conv2D forward + backward against a naive loop implementation, and CNN images per second.

    python benchmarks/bench_conv.py [--repeats 5]

1. The same input (32 images of 1x5x5, 8 filters of 3x3; and 32 images of 3x16x16,
   16 filters of 3x3, padding 1) through lab1's im2col Conv2D and through a direct
   loop over samples, filters and output pixels; best of --repeats, ratio printed.
2. The lab-size CNN (1x5x5 -> 8 filters 3x3 -> 10 hidden -> 1) trained full batch on the
   bars dataset (100 images): training images per second (forward + backward + update),
   for one network and for a population of 16.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from hydra import compose, initialize_config_module

import lab1.config  # noqa: F401  (registers the schemas)
from lab1.config import CONFIG_PACKAGE, VERSION_BASE
from lab1.job.population import train_configs
from lab1.nn.conv import Conv2D


def naive_forward(x, w, b, stride, pad):
    n, c, h, wd = x.shape
    f, _, k, _ = w.shape
    xp = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])
    ho, wo = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    y = np.zeros((n, f, ho, wo))
    for s in range(n):
        for o in range(f):
            for i in range(ho):
                for j in range(wo):
                    y[s, o, i, j] = (
                        np.sum(xp[s, :, i * stride : i * stride + k, j * stride : j * stride + k] * w[o])
                        + b[o]
                    )
    return y, xp


def naive_backward(dy, xp, w, stride, pad):
    n, f, ho, wo = dy.shape
    k = w.shape[2]
    dw, db, dxp = np.zeros_like(w), dy.sum(axis=(0, 2, 3)), np.zeros_like(xp)
    for s in range(n):
        for o in range(f):
            for i in range(ho):
                for j in range(wo):
                    patch = (
                        slice(None),
                        slice(i * stride, i * stride + k),
                        slice(j * stride, j * stride + k),
                    )
                    dw[o] += dy[s, o, i, j] * xp[s][patch]
                    dxp[s][patch] += dy[s, o, i, j] * w[o]
    return dw, db, dxp[:, :, pad : xp.shape[2] - pad, pad : xp.shape[3] - pad]


def best(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def conv_part(repeats: int) -> None:
    rng = np.random.default_rng(0)
    for n, c, side, f, pad in [(32, 1, 5, 8, 0), (32, 3, 16, 16, 1)]:
        layer = Conv2D(c, f, 3, 1, pad)
        size = f * c * 9 + f
        theta, grad = rng.normal(size=(1, size)), np.zeros((1, size))
        layer.bind(theta, grad, squeeze=False)
        x = rng.normal(size=(1, n, c, side, side))
        dy = rng.normal(size=layer.forward(x).shape)
        w, b = theta[0, : f * c * 9].reshape(f, c, 3, 3), theta[0, f * c * 9 :]

        def ours(layer=layer, x=x, dy=dy):
            layer.forward(x)
            layer.backward(dy.copy())

        def naive(x=x, w=w, b=b, dy=dy, pad=pad):
            _, xp = naive_forward(x[0], w, b, 1, pad)
            naive_backward(dy[0], xp, w, 1, pad)

        ours()
        y_naive, xp = naive_forward(x[0], w, b, 1, pad)
        assert np.allclose(layer.forward(x)[0], y_naive)
        t_ours, t_naive = best(ours, repeats), best(naive, max(1, repeats // 2))
        print(
            f"conv {n}x{c}x{side}x{side}, {f} filters 3x3, padding {pad}: forward+backward "
            f"lab1 {1e3 * t_ours:.3f} ms, naive loops {1e3 * t_naive:.1f} ms: {t_naive / t_ours:.0f}x faster",
            flush=True,
        )


def cnn_part(epochs: int) -> None:
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        for k in (1, 16):
            cfgs = [
                compose("config", ["dataset=bars", "model=cnn", f"seed={s}", f"epochs={epochs}"])
                for s in range(k)
            ]
            start = time.perf_counter()
            (r, *_) = train_configs(cfgs)
            seconds = time.perf_counter() - start
            images = k * epochs * len(r.dataset.y)
            print(
                f"lab-size CNN on bars (100 images), population of {k:2d}: {images / seconds:,.0f} training images/s "
                f"({k * epochs / seconds:,.0f} member-epochs/s)",
                flush=True,
            )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--epochs", type=int, default=2000)
    args = p.parse_args()
    conv_part(args.repeats)
    cnn_part(args.epochs)


if __name__ == "__main__":
    main()
