"""plots.animation: training.gif from parameter snapshots the training core takes at log-spaced epochs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lab1.job import population
from lab1.job.population import train_configs
from lab1.job.run import fingerprint
from lab1.nn.snapshots import animation_epochs
from tests.helpers import make_cfg, run_cli, single_run_dir, with_keys

MB = 1 << 20


def _gif(path) -> Image.Image:
    assert path.is_file(), path
    assert path.stat().st_size < 2 * MB
    im = Image.open(path)
    assert im.n_frames >= 30 and im.info.get("loop") == 0
    return im


@pytest.mark.parametrize("epochs", [0, 5, 29, 30, 31, 45, 200, 1000, 20000, 10**6])
def test_animation_epochs_are_log_spaced_distinct_and_enough(epochs):
    e = animation_epochs(epochs)
    assert e[0] == 0 and e[-1] == epochs and list(e) == sorted(set(e))
    if epochs < 40:
        assert e == tuple(range(epochs + 1))
    else:
        assert len(e) >= 40 and e[:4] == (0, 1, 2, 3)
    if epochs >= 1000:  # log-spaced: most frames in the first tenth, where the network changes most
        assert sum(x <= epochs // 10 for x in e) > len(e) / 2


def test_single_run_writes_a_looping_gif(tmp_path):
    proc = run_cli(["plots.animation=true", "epochs=200", "print_every=0"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Animation" not in proc.stdout + proc.stderr  # matplotlib's log line stays quiet
    run = single_run_dir(tmp_path)
    _gif(run / "training.gif")
    assert (run / "decision_boundary.png").is_file()


def test_bars_cnn_animates_the_image_grid(tmp_path):
    proc = run_cli(
        ["plots.animation=true", "dataset=bars", "model=cnn", "epochs=150", "plots.per_job=false"], tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    im = _gif(single_run_dir(tmp_path) / "training.gif")
    assert im.size[0] > im.size[1]  # the grid beside the learning curve


@pytest.mark.parametrize(("launcher", "lrs"), [("vectorized", "0.1,1"), ("basic", "1")])
def test_multirun_writes_a_gif_per_job(tmp_path, launcher, lrs):
    args = ["-m", f"launcher={launcher}", "dataset=xor", f"lr={lrs}", "plots.animation=true"]
    proc = run_cli([*args, "plots.per_job=false", "epochs=200", "hydra.sweep.dir=sw"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    jobs = sorted(p.parent for p in (tmp_path / "sw").glob("*/metrics.json"))
    assert len(jobs) == len(lrs.split(","))
    for job in jobs:
        _gif(job / "training.gif")
        assert not list(job.glob("*.png"))  # per_job=false: the animation alone


CASES = [
    ["dataset=xor", "lr=1"],
    ["dataset=linear", "optim=adam", "lr=0.05", "batch_size=16"],
    ["dataset=bars", "model=cnn", "optim=momentum"],
]


@pytest.mark.parametrize("overrides", CASES)
def test_snapshots_equal_runs_that_stop_there(overrides):
    """The snapshot at epoch e is, bit for bit, the final network of a run of e epochs."""
    (r,) = train_configs([make_cfg(*overrides, "epochs=200", "plots.animation=true")])
    plain = make_cfg(*overrides)
    assert [s.epoch for s in r.snapshots] == list(animation_epochs(200))
    for s in r.snapshots[:: len(r.snapshots) // 4] + r.snapshots[-1:]:
        (alone,) = train_configs([with_keys(plain, epochs=s.epoch)])
        assert all(np.array_equal(s.params[k], alone.params[k]) for k in alone.params), s.epoch
        assert s.loss == alone.loss and s.accuracy == alone.accuracy


def test_population_snapshots_equal_members_alone_and_stop_with_them(monkeypatch):
    alike = ("dataset=linear", "early_stop=0.02", "epochs=300", "plots.animation=true")
    base = make_cfg(*alike)
    cfgs = [with_keys(base, lr=lr, seed=seed) for lr, seed in ((0.5, 0), (5, 1), (1e3, 2))]
    results = {}
    original = population.train

    def keep(*args, **kwargs):
        results["core"] = out = original(*args, **kwargs)
        return out

    monkeypatch.setattr(population, "train", keep)
    together = train_configs(cfgs)
    core = results["core"]
    assert core.snapshots.theta.shape[:2] == (len(animation_epochs(300)), 3)
    for i, (cfg, r) in enumerate(zip(cfgs, together)):
        (alone,) = train_configs([cfg])
        assert [s.epoch for s in r.snapshots] == [s.epoch for s in alone.snapshots]
        assert r.snapshots[-1].epoch == r.epochs_run
        for a, b in zip(r.snapshots, alone.snapshots):
            assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
        late = core.snapshots.epochs > r.epochs_run  # after a member stops: its final parameters
        assert np.array_equal(
            core.snapshots.theta[late, i], np.broadcast_to(core.theta[i], (late.sum(), core.theta.shape[1]))
        )
    assert any(r.epochs_run < 300 for r in together)  # the case of a member that stopped is covered


def test_animation_changes_neither_results_nor_the_config_hash():
    off, on = (
        make_cfg("dataset=xor", "epochs=300"),
        make_cfg("dataset=xor", "epochs=300", "plots.animation=true"),
    )
    assert fingerprint(off) == fingerprint(on)
    (a,), (b,) = train_configs([off]), train_configs([on])
    assert not a.snapshots and b.snapshots
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    for key in a.history:
        assert np.array_equal(a.history[key], b.history[key], equal_nan=True)
