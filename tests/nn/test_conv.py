"""Convolutional layers and the CNN: finite-difference gradients, the image dataset, training."""

from __future__ import annotations

import numpy as np
import pytest

from lab1.data import make_dataset
from lab1.job.population import train_configs
from lab1.nn.conv import Conv2D, Flatten, MaxPool2D, Reshape
from lab1.nn.network import ConvSpec, NetSpec, Network, initialise
from tests.helpers import TOL, make_cfg, numeric_grad, rel_error, run_cli


def naive_conv(x, w, b, stride, padding):
    """Loops over every output pixel: the definition, for one member."""
    n, c, h, wd = x.shape
    f, _, kk, _ = w.shape
    xp = np.pad(x, [(0, 0), (0, 0), (padding, padding), (padding, padding)])
    ho, wo = (h + 2 * padding - kk) // stride + 1, (wd + 2 * padding - kk) // stride + 1
    y = np.zeros((n, f, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * stride : i * stride + kk, j * stride : j * stride + kk]
            y[:, :, i, j] = np.einsum("nckl,fckl->nf", patch, w) + b
    return y


def bind(layer, k, rng, size):
    theta, grad = rng.normal(size=(k, size)), np.zeros((k, size))
    squeeze = k == 1
    layer.bind(theta[0] if squeeze else theta, grad[0] if squeeze else grad, squeeze)
    return theta, grad


CONV_CASES = [(1, 0, 3), (2, 0, 3), (1, 1, 3), (2, 1, 2), (3, 2, 3)]  # stride, padding, kernel


@pytest.mark.parametrize("stride,padding,kernel", CONV_CASES)
def test_conv_forward_matches_the_definition(stride, padding, kernel):
    rng = np.random.default_rng(2)
    layer = Conv2D(2, 3, kernel, stride, padding)
    size = 3 * 2 * kernel**2 + 3
    theta, _ = bind(layer, 2, rng, size)
    x = rng.normal(size=(2, 4, 2, 6, 7))
    y = layer.forward(x)
    for m in range(2):
        w = theta[m, : size - 3].reshape(3, 2, kernel, kernel)
        np.testing.assert_allclose(
            y[m], naive_conv(x[m], w, theta[m, size - 3 :], stride, padding), rtol=1e-10, atol=1e-12
        )


@pytest.mark.parametrize("stride,padding,kernel", CONV_CASES)
@pytest.mark.parametrize("k,shared", [(1, False), (3, False), (3, True)])
def test_conv_gradient(stride, padding, kernel, k, shared):
    rng = np.random.default_rng(3)
    layer = Conv2D(2, 3, kernel, stride, padding)
    theta, grad = bind(layer, k, rng, 3 * 2 * kernel**2 + 3)
    squeeze = k == 1
    x = rng.normal(size=(1 if shared else k, 2, 2, 6, 5))
    xin = x[0] if squeeze else x
    out = layer.forward(xin)
    w = rng.normal(size=out.shape)

    def f():
        return float(np.sum(w * layer.forward(xin)))

    f()
    dx = layer.backward(w.copy())
    assert rel_error(grad, numeric_grad(f, theta)) < TOL
    if not shared:
        assert rel_error(dx, numeric_grad(f, xin)) < TOL


@pytest.mark.parametrize("size,stride", [(2, 2), (2, 1), (3, 2)])
@pytest.mark.parametrize("k", [1, 3])
def test_maxpool_gradient(size, stride, k):
    rng = np.random.default_rng(4)
    layer = MaxPool2D(size, stride)
    layer.squeeze = k == 1
    x = rng.permutation(k * 2 * 2 * 7 * 6).reshape(k, 2, 2, 7, 6) / 10.0  # distinct values: no ties
    xin = x[0] if k == 1 else x
    out = layer.forward(xin)
    w = rng.normal(size=out.shape)

    def f():
        return float(np.sum(w * layer.forward(xin)))

    dx = layer.backward(w.copy())
    assert rel_error(dx, numeric_grad(f, xin)) < TOL
    # forward is the max of each window
    full = x.reshape(-1, 7, 6)
    assert layer.forward(xin).reshape(-1, *out.shape[-2:])[0, 0, 0] == full[0, :size, :size].max()


def test_reshape_and_flatten_round_trip():
    x = np.arange(2 * 3 * 18.0).reshape(2, 3, 18)
    r, fl = Reshape((2, 3, 3)), Flatten()
    img = r.forward(x)
    assert img.shape == (2, 3, 2, 3, 3)
    assert np.array_equal(fl.forward(img), x)
    assert np.array_equal(r.backward(fl.backward(x)), x)


@pytest.mark.parametrize("pool", [None, 2])
def test_cnn_gradient_end_to_end(pool):
    """The whole CNN (conv, sigmoid, pool, flatten, dense, output) against finite differences."""
    spec = NetSpec(sizes=(25, 4, 1), image=(1, 5, 5), conv=ConvSpec(3, 2, 1, 1, pool))
    net = Network(spec, 2)
    initialise(net, [0, 1], "xavier")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(1, 6, 25))
    y = (rng.random((1, 6, 1)) > 0.5).astype(float)

    def f():
        p = net.forward(X)
        return float(np.sum((p - y) ** 2))

    p = net.forward(X)
    net.backward(2 * (p - y))
    assert rel_error(net.grad, numeric_grad(f, net.theta)) < TOL
    assert [key for key, *_ in net.slots] == ["W1", "b1", "W2", "b2", "W3", "b3"]


def test_bars_dataset_definition():
    cfg = make_cfg("dataset=bars", "dataset.n=40", "dataset.noise=0").dataset
    d = make_dataset(cfg, 0)
    assert d.X.shape == (40, 25) and d.image == (1, 5, 5)
    assert list(d.y) == [i % 2 for i in range(40)]
    imgs = d.X.reshape(40, 5, 5)
    for img, label in zip(imgs, d.y):
        rows, cols = np.nonzero(img)
        assert len(rows) == 3  # one bar of three pixels
        line, along = (rows, cols) if label == 0 else (cols, rows)
        assert len(set(line)) == 1 and sorted(along) == list(range(along.min(), along.min() + 3))
    assert (imgs.sum(axis=(1, 2)) == 3).all()  # same pixel sum for both classes
    again = make_dataset(cfg, 0)
    assert np.array_equal(again.X, d.X)
    assert not np.array_equal(make_dataset(cfg, 1).X, d.X)


def test_bars_is_not_linearly_separable_but_the_cnn_learns_it():
    """Without noise every bar position appears and no linear model fits them all; the CNN does."""
    linear = make_cfg(
        "dataset=bars",
        "dataset.noise=0",
        "dataset.n=200",
        "activation=none",
        "hidden=1",
        "depth=1",
        "epochs=3000",
        "optim=adam",
        "lr=0.05",
    )
    cnn = make_cfg("dataset=bars", "model=cnn", "epochs=3000", "optim=adam", "lr=0.01")
    (lin,) = train_configs([linear])
    (conv,) = train_configs([cnn])
    assert lin.accuracy < 0.95 and lin.epochs_to_100 is None
    assert conv.accuracy == 1.0


def test_cnn_population_equals_single_runs():
    cfgs = [
        make_cfg(
            "dataset=bars",
            "model=cnn",
            "model.pool=2",
            "model.padding=1",
            f"seed={s}",
            f"lr={lr}",
            "epochs=50",
        )
        for s, lr in [(0, 0.1), (1, 0.5)]
    ]
    together = train_configs(cfgs)
    for cfg, r in zip(cfgs, together):
        (alone,) = train_configs([cfg])
        assert alone.accuracy == r.accuracy
        for key in alone.params:
            np.testing.assert_allclose(alone.params[key], r.params[key], rtol=1e-10, atol=1e-13)


def test_cnn_cli_writes_its_files_and_rejects_points(tmp_path):
    proc = run_cli(["dataset=bars", "model=cnn", "epochs=100", "print_every=0"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    run = next(p.parent.parent for p in tmp_path.rglob(".hydra/config.yaml"))
    for name in ("comparison.png", "learning_curve.png", "filters.png", "metrics.json", "params.npz"):
        assert (run / name).is_file(), name
    w = np.load(run / "params.npz", allow_pickle=False)
    assert w["W1"].shape == (8, 1, 3, 3) and w["b1"].shape == (8,) and w["W2"].shape == (72, 10)
    bad = run_cli(["dataset=xor", "model=cnn"], tmp_path)
    assert bad.returncode == 2 and "model='cnn' is not allowed: an image dataset (dataset=bars)" in bad.stderr


def test_conv_keeps_patches_only_of_read_only_inputs():
    """The training data's patches are cut once; other inputs are cut on every call."""
    rng = np.random.default_rng(7)
    layer = Conv2D(1, 2, 3)
    theta, grad = rng.normal(size=(1, 20)), np.zeros((1, 20))
    layer.bind(theta, grad, squeeze=False)
    frozen = rng.normal(size=(1, 4, 1, 5, 5))
    frozen.flags.writeable = False
    first = layer.forward(frozen).copy()
    assert np.array_equal(layer.forward(frozen), first)
    other = np.ascontiguousarray(frozen[..., ::-1])  # new content, writeable
    assert not np.allclose(layer.forward(other), first)
    other[...] = frozen
    assert np.array_equal(layer.forward(other), first)  # changed in place: recomputed


def test_figure_titles_name_every_non_default_part_of_the_cnn():
    from lab1.job.run import describe

    title = describe(
        make_cfg("dataset=bars", "model=cnn", "model.pool=2", "model.padding=1", "model.stride=2")
    )
    assert "cnn 8x3x3, stride 2, padding 1, pool 2, hidden 10" in title
    assert "cnn 8x3x3, hidden 10" in describe(make_cfg("dataset=bars", "model=cnn"))
