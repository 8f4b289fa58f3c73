"""Training behaviour: the handout's pass mark, divergence, determinism, populations."""

from __future__ import annotations

import numpy as np
import pytest

from lab1.config import net_spec
from lab1.job import population
from lab1.job.population import train_configs
from tests.helpers import make_cfg, with_keys


@pytest.mark.parametrize("dataset", ["linear", "xor"])
def test_default_config_passes_handout_mark(dataset):
    """Default config reaches at least 90% accuracy for seeds 0..4 (trained as one population)."""
    default = make_cfg(f"dataset={dataset}")
    cfgs = [with_keys(default, seed=s) for s in range(5)]
    for cfg, r in zip(cfgs, train_configs(cfgs)):
        assert r.accuracy >= 0.9, (cfg.seed, r.accuracy)
        assert not r.diverged


def test_population_equals_single_runs():
    """Members with different seeds and learning rates train exactly as they would alone."""
    cfgs = [
        make_cfg("dataset=linear", f"seed={s}", f"lr={lr}", "epochs=300")
        for s, lr in [(0, 0.1), (1, 0.5), (2, 2.0)]
    ]
    together = train_configs(cfgs)
    for cfg, r in zip(cfgs, together):
        (alone,) = train_configs([cfg])
        assert alone.accuracy == r.accuracy
        np.testing.assert_allclose(alone.loss, r.loss, rtol=1e-12)
        for key in alone.params:
            np.testing.assert_allclose(alone.params[key], r.params[key], rtol=1e-10, atol=1e-14)


def test_divergence_is_a_result():
    (r,) = train_configs([make_cfg("dataset=xor", "output_activation=none", "lr=50", "epochs=500")])
    assert r.diverged
    assert 0 < r.epochs_run < 500
    assert not np.isfinite(r.loss)


def test_diverging_member_does_not_disturb_others():
    cfgs = [
        make_cfg("dataset=xor", "output_activation=none", f"lr={lr}", "epochs=400") for lr in (50.0, 0.05)
    ]
    big, small = train_configs(cfgs)
    (alone,) = train_configs(cfgs[1:])
    assert big.diverged and not small.diverged
    assert small.loss == pytest.approx(alone.loss, rel=1e-12)


def test_early_stop_stops_at_threshold():
    (r,) = train_configs([make_cfg("dataset=linear", "early_stop=0.05", "epochs=20000")])
    assert r.early_stopped and r.epochs_run < 20000
    assert r.loss <= 0.05
    assert r.history["loss"][-2] > 0.05  # the row before the stop was still above


@pytest.mark.parametrize("optim", ["sgd", "momentum", "adagrad", "rmsprop", "adam"])
def test_every_optimizer_learns_linear(optim):
    lr = {"sgd": 0.5, "momentum": 0.1, "adagrad": 0.1, "rmsprop": 0.01, "adam": 0.01}[optim]
    (r,) = train_configs([make_cfg("dataset=linear", f"optim={optim}", f"lr={lr}", "epochs=1500")])
    assert r.accuracy >= 0.9


def test_minibatch_is_seeded_and_learns():
    cfg = make_cfg("dataset=linear", "batch_size=16", "epochs=300", "lr=0.5")
    (a,) = train_configs([cfg])
    (b,) = train_configs([cfg])
    assert a.loss == b.loss and a.accuracy >= 0.9
    (c,) = train_configs([make_cfg("dataset=linear", "batch_size=16", "epochs=300", "lr=0.5", "seed=1")])
    assert c.loss != a.loss


def test_hidden_list_sets_depth_and_bias_false_has_no_bias():
    (r,) = train_configs([make_cfg("dataset=xor4", "hidden=[4,16,3]", "bias=false", "epochs=10")])
    assert [r.params[f"W{i}"].shape for i in (1, 2, 3, 4)] == [(2, 4), (4, 16), (16, 3), (3, 1)]
    assert not any(k.startswith("b") for k in r.params)


def test_epochs_zero_evaluates_the_initial_network():
    (r,) = train_configs([make_cfg("dataset=xor", "epochs=0")])
    assert r.epochs_run == 0
    for key in r.params:
        assert np.array_equal(r.params[key], r.params_init[key])


@pytest.mark.parametrize(
    "data", [["dataset=linear"], ["dataset=linear", "batch_size=16"], ["dataset=bars", "model=cnn"]]
)
def test_a_population_in_blocks_trains_bit_for_bit_as_the_whole(monkeypatch, data):
    """Members with their own data trained in blocks (here of 2 and 3) equal the whole
    population, every bit."""
    base = make_cfg(*data, "epochs=100")
    cfgs = [with_keys(base, seed=s, lr=0.1 * (1 + s)) for s in range(7)]
    whole = train_configs(cfgs)
    monkeypatch.setattr(population, "BLOCK_BYTES", 1)
    assert [len(b) for b in population.blocks(7, 1000)] == [3, 2, 2]
    for a, b in zip(whole, train_configs(cfgs)):
        assert a.loss == b.loss and a.population == b.population == 7
        assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
        assert all(np.array_equal(a.history[k], b.history[k], equal_nan=True) for k in a.history)


@pytest.mark.parametrize("hidden", ["hidden=[10,10]", "hidden=[3,5]"])
def test_members_sharing_their_data_train_in_aligned_blocks_bit_for_bit_as_the_whole(monkeypatch, hidden):
    """xor's members share one first-layer product; in blocks of 16, 16 and 8 they equal the whole."""
    base = make_cfg("dataset=xor", hidden, "epochs=100")
    cfgs = [with_keys(base, seed=s, lr=0.05 * (1 + s % 5)) for s in range(40)]
    whole = train_configs(cfgs)
    monkeypatch.setattr(population, "BLOCK_BYTES", 1)
    assert [len(b) for b in population.blocks(40, 1000, shared=True)] == [16, 16, 8]
    for a, b in zip(whole, train_configs(cfgs)):
        assert a.loss == b.loss and a.population == b.population == 40
        assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
        assert all(np.array_equal(a.history[k], b.history[k], equal_nan=True) for k in a.history)


def test_blocks_are_sized_by_bytes_and_never_hold_one_member():
    mb = population.BLOCK_BYTES // 64  # 64 members fill a block
    assert [len(b) for b in population.blocks(256, mb)] == [64] * 4
    assert [len(b) for b in population.blocks(100, mb)] == [100]  # fewest blocks: one of 100, not 64 + 36
    assert [len(b) for b in population.blocks(130, mb)] == [65, 65]
    assert population.blocks(1, 10**9) == [range(1)] and population.blocks(3, 10**9) == [range(3)]
    shared = population.BLOCK_BYTES // 256  # whole multiples of ALIGN = 16 members, the last shorter
    assert [len(b) for b in population.blocks(1024, shared, shared=True)] == [256] * 4
    assert [len(b) for b in population.blocks(1000, shared, shared=True)] == [336, 336, 328]
    assert [len(b) for b in population.blocks(33, mb * 16, shared=True)] == [16, 17]  # never 16 + 16 + 1
    assert population.blocks(100, mb, shared=True) == [range(100)]
    linear, xor = (make_cfg(f"dataset={d}") for d in ("linear", "xor"))
    assert len(population.blocks(1024, net_spec(linear, 2).member_bytes(100))) > len(
        population.blocks(1024, net_spec(xor, 2).member_bytes(21))
    )
