"""Central finite-difference checks of every gradient, relative error < 1e-6 in float64."""

from __future__ import annotations

import numpy as np
import pytest

from lab1.nn.activations import ACTIVATIONS
from lab1.nn.layers import Activation, Dense
from lab1.nn.losses import FUSED, LOSSES
from lab1.nn.network import NetSpec, Network
from lab1.nn.train import objective
from tests.helpers import TOL, numeric_grad, rel_error


def _away_from_kinks(z: np.ndarray) -> np.ndarray:
    """Keep points at least 1e-3 from 0, where relu and leaky_relu have a kink."""
    return np.where(np.abs(z) < 1e-3, 0.5, z)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("k", [1, 3])
def test_activation_gradient(name, k):
    rng = np.random.default_rng(0)
    z = _away_from_kinks(rng.normal(size=(k, 5, 4)) * 2)
    w = rng.normal(size=z.shape)  # L = sum(w * f(z))
    layer = Activation(name, slope=0.07)
    f = lambda: float(np.sum(w * layer.forward(z)))  # noqa: E731
    layer.forward(z)
    analytic = layer.backward(w.copy())
    assert rel_error(analytic, numeric_grad(f, z)) < TOL


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("k,shared", [(1, False), (4, False), (4, True)])
def test_dense_gradient(bias, k, shared):
    rng = np.random.default_rng(1)
    layer = Dense(3, 5, bias)
    size = 3 * 5 + (5 if bias else 0)
    theta, grad = rng.normal(size=(k, size)), np.zeros((k, size))
    squeeze = k == 1
    layer.bind(theta[0] if squeeze else theta, grad[0] if squeeze else grad, squeeze)
    x = rng.normal(size=(1 if shared else k, 3, 6))  # feature-major: (K|1, fan_in, n)
    w = rng.normal(size=(k, 5, 6))
    xin = x[0] if squeeze else x
    wl = w[0] if squeeze else w

    def f():
        return float(np.sum(wl * layer.forward(xin)))

    f()
    dx = layer.backward(wl.copy())
    num_theta = numeric_grad(f, theta)
    assert rel_error(grad, num_theta) < TOL
    if not shared:
        assert rel_error(dx, numeric_grad(f, xin)) < TOL


@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_gradient(name):
    rng = np.random.default_rng(2)
    p = rng.uniform(0.05, 0.95, size=(3, 7, 1))
    y = rng.integers(0, 2, size=(3, 7, 1)).astype(float)
    value, grad = LOSSES[name].value_and_grad(p.copy(), y)
    assert np.allclose(value, LOSSES[name].value(p, y))
    num = numeric_grad(lambda: float(LOSSES[name].value(p, y).sum()), p)
    assert rel_error(grad, num) < TOL


def test_fused_sigmoid_bce_equals_general_path():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(2, 9, 1)) * 3
    y = rng.integers(0, 2, size=(2, 9, 1)).astype(float)
    act = Activation("sigmoid")
    p = act.forward(z)
    value_g, dp = LOSSES["bce"].value_and_grad(p, y)
    dz_general = act.backward(dp)
    value_f, dz_fused = FUSED[("sigmoid", "bce")].value_and_grad(z, p, y)
    assert np.allclose(value_f, value_g, rtol=1e-12)
    assert rel_error(dz_fused, dz_general) < 1e-10
    num = numeric_grad(lambda: float(FUSED[("sigmoid", "bce")].value(z, y).sum()), z)
    assert rel_error(dz_fused, num) < TOL


def test_fused_bce_is_finite_when_saturated():
    z = np.array([[[800.0], [-800.0], [40.0]]])
    y = np.array([[[0.0], [1.0], [1.0]]])
    act = Activation("sigmoid")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))
        value, grad = FUSED[("sigmoid", "bce")].value_and_grad(z, p, y)
    assert np.all(np.isfinite(value)) and np.all(np.isfinite(grad))
    assert value[0] == pytest.approx((800 + 800 + np.log1p(np.exp(-40))) / 3)
    del act


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize(
    "loss,output", [("mse", "sigmoid"), ("bce", "sigmoid"), ("mse", "none"), ("mse", "tanh")]
)
@pytest.mark.parametrize("k", [1, 3])
def test_network_gradient(activation, loss, output, k):
    """The whole network, population included, against central differences."""
    spec = NetSpec((2, 4, 3, 1), activation, output, bias=True, slope=0.1)
    net = Network(spec, k)
    rng = np.random.default_rng(4)
    net.theta[...] = rng.normal(size=net.theta.shape)  # random biases too: no pre-activation at 0
    X = rng.uniform(-1, 1, size=(1, 6, 2))
    y = rng.integers(0, 2, size=(1, 6, 1)).astype(float)
    value_and_grad = objective(loss, output)

    def f():
        p = net.forward(X)
        return float(value_and_grad(net, p, y)[0].sum())

    if activation in ("relu", "leaky_relu"):  # move every pre-activation off the kink
        f()
        for layer in net.layers:
            if isinstance(layer, Activation):
                assert np.min(np.abs(layer.z)) > 1e-4
    p = net.forward(X)
    _, g, from_logits = value_and_grad(net, p, y)
    net.backward(g, from_logits)
    analytic = net.grad.copy()
    assert rel_error(analytic, numeric_grad(f, net.theta)) < TOL
