"""``check grad``: a student's loss and gradients against lab1's, and against their own loss's slope.

lab1 builds its initial parameters and dataset from ``python -m lab1``'s keys (same checks),
computes its loss and analytic gradients with the readable reference network
(``lab1.nn.reference``, held equal to the engine by tests), and calls the adapter on the same
parameters. Per parameter it compares the adapter's gradient with lab1's, and with central
differences of the adapter's own loss, ``(L(theta + h) - L(theta - h)) / 2h``; each
comparison is the largest absolute difference and CS231n's relative error,
``max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig

from lab1.check import adapter
from lab1.config import ConfigError, precheck_overrides, validate
from lab1.config.overrides import parse_each
from lab1.data import make_dataset
from lab1.job.population import train_configs
from lab1.nn import reference

Array = np.ndarray
AGREE = 1e-6  # relative error below which a value agrees with lab1's
CONSISTENT = 1e-4  # ... with finite differences, whose own error is about h^2 and eps / h
STEP = 1e-6  # h of the central differences
ENTRIES = 300  # entries per parameter differenced; a larger parameter gets a seeded sample
# the keys that change the network, its initial parameters or its data: python -m lab1's, same checks
KEYS = ("hidden", "depth", "activation", "leaky_slope", "output_activation", "loss", "bias", "init", "seed")
DATA_KEYS: tuple[str, ...] = ("dataset", "dataset.n", "dataset.path", "dataset.label", "dataset.features")
DATA_KEYS += ("dataset.size", "dataset.bar", "dataset.noise")
FIXED = ["epochs=0", "print_every=0", "plots.per_job=false"]


def rel_error(a: Array, b: Array) -> float:
    """CS231n's relative error: max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|)."""
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def compose(overrides: list[str]) -> DictConfig:
    """The config of ``python -m lab1 OVERRIDES``, refused as lab1 refuses it, from the keys above only."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_module

    from lab1.config import CONFIG_PACKAGE, VERSION_BASE

    precheck_overrides(overrides)
    for override in parse_each(overrides):
        key = override.key_or_group.lstrip("+~")
        if key not in KEYS + DATA_KEYS:
            raise ConfigError.plain(
                f"{key} does not change a gradient; check grad takes {', '.join(KEYS + ('dataset',))}"
            )
        if override.is_sweep_override():
            raise ConfigError.plain(f"{override.input_line}: check grad checks one network; give one value")
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        cfg = hydra_compose("config", overrides=[*overrides, *FIXED])
    validate(cfg)
    return cfg


@dataclass
class Setup:
    """What both sides are given: lab1's initial parameters and dataset, and lab1's answer."""

    cfg: DictConfig
    params: dict[str, Array]
    x: Array  # (n, features)
    y: Array  # (n, 1) of 0.0 and 1.0
    loss: float
    grads: dict[str, Array]
    other_losses: dict[str, float]  # lab1's other losses of the same output (name -> value)


def setup(cfg: DictConfig) -> Setup:
    """lab1's own initial parameters (as ``params_init.npz``), dataset, loss and gradients."""
    (member,) = train_configs([cfg])
    data = make_dataset(cfg.dataset, int(cfg.seed))
    x, y = data.X, data.y[:, None].astype(np.float64)
    net = reference.Network(
        member.params_init, cfg.activation, cfg.output_activation, cfg.loss, float(cfg.leaky_slope)
    )
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        loss, grads = net.loss_and_grads(x, y)
        p = net.layers[-1].a
        others = {name: fn(p, y)[0] for name, fn in reference.LOSSES.items() if name != cfg.loss}
    grads = {k: v.copy() for k, v in grads.items()}
    return Setup(
        cfg, member.params_init, x, y, loss, grads, {k: v for k, v in others.items() if np.isfinite(v)}
    )


def backwards(params: dict[str, Array]) -> list[str]:
    """Parameter names from the output back: W3, b3, W2, b2, W1, b1."""
    layers = sorted({int(k[1:]) for k in params}, reverse=True)
    return [f"{p}{i}" for i in layers for p in ("W", "b") if f"{p}{i}" in params]


def numeric(
    function: Callable[..., Any], s: Setup, name: str, rng: np.random.Generator
) -> tuple[Array, Array]:
    """Central differences of the adapter's loss at some entries of ``name``: (flat indices, slopes)."""
    size = s.params[name].size
    chosen = np.arange(size) if size <= ENTRIES else np.sort(rng.choice(size, ENTRIES, replace=False))
    slopes = np.empty(len(chosen))
    for j, flat in enumerate(chosen):
        losses = []
        for sign in (1.0, -1.0):
            moved = {k: v.copy() for k, v in s.params.items()}
            moved[name].reshape(-1)[flat] += sign * STEP
            losses.append(adapter.call(function, moved, s.x, s.y)[0])
        slopes[j] = (losses[0] - losses[1]) / (2 * STEP)
    return chosen, slopes


@dataclass
class Row:
    """One parameter's comparisons."""

    name: str
    shape: tuple[int, ...]
    diff_lab1: float
    rel_lab1: float
    diff_numeric: float
    rel_numeric: float
    entries: int  # how many entries were differenced

    @property
    def agrees(self) -> bool:
        return self.rel_lab1 < AGREE

    @property
    def consistent(self) -> bool:
        return self.rel_numeric < CONSISTENT


@dataclass
class Result:
    """The whole comparison."""

    setup: Setup
    loss: float
    grads: dict[str, Array]
    rows: list[Row]  # from the output back

    @property
    def loss_rel(self) -> float:
        return rel_error(np.array(self.loss), np.array(self.setup.loss))

    @property
    def agrees(self) -> bool:
        return self.loss_rel < AGREE and all(r.agrees for r in self.rows)


def compare(function: Callable[..., Any], s: Setup) -> Result:
    """Call the adapter and compare each gradient with lab1's and with its own central differences."""
    loss, grads = adapter.call(function, s.params, s.x, s.y)
    rng = np.random.default_rng(0)
    rows = []
    for name in backwards(s.params):
        mine, lab1 = grads[name], s.grads[name]
        chosen, slopes = numeric(function, s, name, rng)
        at = mine.reshape(-1)[chosen]
        rows.append(
            Row(
                name,
                tuple(lab1.shape),
                float(np.max(np.abs(mine - lab1))),
                rel_error(mine, lab1),
                float(np.max(np.abs(at - slopes))),
                rel_error(at, slopes),
                len(chosen),
            )
        )
    return Result(s, loss, grads, rows)
