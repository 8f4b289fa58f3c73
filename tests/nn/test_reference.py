"""The readable reference network (``lab1.nn.reference``) trains exactly as the fast engine does."""

from __future__ import annotations

import numpy as np
import pytest

from lab1.data import make_dataset
from lab1.job.population import train_configs
from lab1.nn import reference
from tests.helpers import make_cfg

EPOCHS = 1000


@pytest.mark.parametrize(
    "overrides",
    [
        [],  # the lab's network: 2-10-10-1, sigmoid, MSE, lr 0.1, xor
        ["dataset=linear"],
        ["activation=tanh", "hidden=[4,7]"],
        ["activation=relu", "hidden=5", "depth=3", "init=he"],
        ["activation=leaky_relu", "leaky_slope=0.2", "loss=bce", "dataset=linear"],
        ["activation=none", "output_activation=none", "lr=0.01", "bias=false"],
    ],
    ids=lambda o: " ".join(o) or "default",
)
def test_reference_trains_as_the_engine(overrides):
    """Same initial parameters, same data: the losses and final parameters agree to 1e-12
    over 1,000 epochs of full-batch gradient descent."""
    cfg = make_cfg(*overrides, f"epochs={EPOCHS}", "log_every=1", "print_every=0")
    (engine,) = train_configs([cfg])
    data = make_dataset(cfg.dataset, int(cfg.seed))
    net = reference.Network(
        engine.params_init, cfg.activation, cfg.output_activation, cfg.loss, float(cfg.leaky_slope)
    )
    with np.errstate(over="ignore"):
        losses = net.train(data.X, data.y[:, None].astype(np.float64), EPOCHS, float(cfg.lr))
    assert not engine.diverged
    np.testing.assert_allclose(losses, engine.history["loss"], rtol=1e-12, atol=1e-12)
    got = net.params()
    assert got.keys() == engine.params.keys()
    for key, value in engine.params.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-12, atol=1e-12, err_msg=key)


def test_reference_gradients_are_central_differences():
    """Each gradient the reference reports is the derivative of its own loss."""
    cfg = make_cfg("dataset=linear", "dataset.n=20", "epochs=0")
    (engine,) = train_configs([cfg])
    data = make_dataset(cfg.dataset, 0)
    x, y = data.X, data.y[:, None].astype(np.float64)
    params = engine.params_init
    _, grads = reference.Network(params).loss_and_grads(x, y)
    for key, value in params.items():
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            up, down = {k: v.copy() for k, v in params.items()}, {k: v.copy() for k, v in params.items()}
            up[key][i] += 1e-6
            down[key][i] -= 1e-6
            lu, _ = reference.Network(up).loss_and_grads(x, y)
            ld, _ = reference.Network(down).loss_and_grads(x, y)
            numeric[i] = (lu - ld) / 2e-6
        np.testing.assert_allclose(grads[key], numeric, rtol=1e-5, atol=1e-8, err_msg=key)
