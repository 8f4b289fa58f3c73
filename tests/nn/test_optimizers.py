"""Each optimizer against updates computed by hand from torch.optim's documented algorithm."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lab1.nn.optimizers import hyperparameter_names, make_optimizer

GRADS = [[0.5, -1.0, 2.0], [0.1, 0.3, -0.7], [-0.4, 0.2, 0.05]]  # three steps
THETA0 = [1.0, -2.0, 0.5]


def run_ours(name: str, members: list[dict], flags: dict) -> np.ndarray:
    """Three steps on a (K, 3) population, member k with hyperparameters members[k]."""
    scalars, _ = hyperparameter_names(name)
    cols = {s: np.array([[m[s]] for m in members], dtype=float) for s in scalars}
    theta = np.array([THETA0] * len(members))
    opt = make_optimizer(name, cols, flags, theta.shape)
    for g in GRADS:
        opt.step(theta, np.array([g] * len(members)))
    return theta


def sgd_ref(h, nesterov):
    theta, buf = list(THETA0), [0.0] * 3
    for t, grad in enumerate(GRADS, start=1):
        for i in range(3):
            g = grad[i] + h["weight_decay"] * theta[i]
            if h["momentum"]:
                buf[i] = g if t == 1 else h["momentum"] * buf[i] + (1 - h["dampening"]) * g
                g = g + h["momentum"] * buf[i] if nesterov else buf[i]
            theta[i] -= h["lr"] * g
    return theta


def adagrad_ref(h):
    theta, s = list(THETA0), [h["initial_accumulator_value"]] * 3
    for t, grad in enumerate(GRADS, start=1):
        clr = h["lr"] / (1 + (t - 1) * h["lr_decay"])
        for i in range(3):
            g = grad[i] + h["weight_decay"] * theta[i]
            s[i] += g * g
            theta[i] -= clr * g / (math.sqrt(s[i]) + h["eps"])
    return theta


def rmsprop_ref(h, centered):
    theta, v, ga, b = list(THETA0), [0.0] * 3, [0.0] * 3, [0.0] * 3
    for grad in GRADS:
        for i in range(3):
            g = grad[i] + h["weight_decay"] * theta[i]
            v[i] = h["alpha"] * v[i] + (1 - h["alpha"]) * g * g
            vt = v[i]
            if centered:
                ga[i] = h["alpha"] * ga[i] + (1 - h["alpha"]) * g
                vt = vt - ga[i] ** 2
            if h["momentum"] > 0:
                b[i] = h["momentum"] * b[i] + g / (math.sqrt(vt) + h["eps"])
                theta[i] -= h["lr"] * b[i]
            else:
                theta[i] -= h["lr"] * g / (math.sqrt(vt) + h["eps"])
    return theta


def adam_ref(h, amsgrad):
    theta, m, v, vmax = list(THETA0), [0.0] * 3, [0.0] * 3, [0.0] * 3
    b1, b2 = h["beta1"], h["beta2"]
    for t, grad in enumerate(GRADS, start=1):
        for i in range(3):
            g = grad[i] + h["weight_decay"] * theta[i]
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            mhat = m[i] / (1 - b1**t)
            if amsgrad:  # as torch implements it: the max of the raw second moments
                vmax[i] = max(vmax[i], v[i])
                vhat = vmax[i] / (1 - b2**t)
            else:
                vhat = v[i] / (1 - b2**t)
            theta[i] -= h["lr"] * mhat / (math.sqrt(vhat) + h["eps"])
    return theta


CASES = [
    (
        "sgd",
        {"nesterov": False},
        [
            dict(lr=0.1, weight_decay=0, momentum=0, dampening=0),
            dict(lr=0.5, weight_decay=0.01, momentum=0, dampening=0),
        ],
        lambda h, f: sgd_ref(h, False),
    ),
    (
        "momentum",
        {"nesterov": False},
        [
            dict(lr=0.1, weight_decay=0, momentum=0.9, dampening=0),
            dict(lr=0.05, weight_decay=0.1, momentum=0.5, dampening=0.3),
        ],
        lambda h, f: sgd_ref(h, False),
    ),
    (
        "momentum",
        {"nesterov": True},
        [
            dict(lr=0.1, weight_decay=0, momentum=0.9, dampening=0),
            dict(lr=0.2, weight_decay=0.05, momentum=0.7, dampening=0),
        ],
        lambda h, f: sgd_ref(h, True),
    ),
    (
        "adagrad",
        {},
        [
            dict(lr=0.01, weight_decay=0, lr_decay=0, initial_accumulator_value=0, eps=1e-10),
            dict(lr=0.3, weight_decay=0.1, lr_decay=0.5, initial_accumulator_value=0.2, eps=1e-3),
        ],
        lambda h, f: adagrad_ref(h),
    ),
    (
        "rmsprop",
        {"centered": False},
        [
            dict(lr=0.01, weight_decay=0, alpha=0.99, eps=1e-8, momentum=0),
            dict(lr=0.1, weight_decay=0.2, alpha=0.9, eps=1e-4, momentum=0.8),
        ],
        lambda h, f: rmsprop_ref(h, False),
    ),
    (
        "rmsprop",
        {"centered": True},
        [
            dict(lr=0.01, weight_decay=0, alpha=0.99, eps=1e-8, momentum=0),
            dict(lr=0.1, weight_decay=0.2, alpha=0.9, eps=1e-4, momentum=0.8),
        ],
        lambda h, f: rmsprop_ref(h, True),
    ),
    (
        "adam",
        {"amsgrad": False},
        [
            dict(lr=0.001, weight_decay=0, beta1=0.9, beta2=0.999, eps=1e-8),
            dict(lr=0.1, weight_decay=0.3, beta1=0.5, beta2=0.9, eps=1e-3),
        ],
        lambda h, f: adam_ref(h, False),
    ),
    (
        "adam",
        {"amsgrad": True},
        [
            dict(lr=0.001, weight_decay=0, beta1=0.9, beta2=0.999, eps=1e-8),
            dict(lr=0.1, weight_decay=0.3, beta1=0.5, beta2=0.9, eps=1e-3),
        ],
        lambda h, f: adam_ref(h, True),
    ),
]


@pytest.mark.parametrize("name,flags,members,ref", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_three_steps_match_hand_computation(name, flags, members, ref):
    ours = run_ours(name, members, flags)
    for k, h in enumerate(members):
        np.testing.assert_allclose(ours[k], ref(h, flags), rtol=1e-12, atol=1e-15)


def test_members_do_not_interact():
    members = [dict(lr=0.1, weight_decay=0, beta1=0.9, beta2=0.999, eps=1e-8)] * 2
    both = run_ours("adam", members, {"amsgrad": False})
    one = run_ours("adam", members[:1], {"amsgrad": False})
    assert np.array_equal(both[0], one[0]) and np.array_equal(both[1], one[0])


def test_unknown_optimizer_lists_choices():
    with pytest.raises(ValueError, match="adam"):
        make_optimizer("lbfgs", {}, {}, (1, 1))
