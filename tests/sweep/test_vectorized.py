"""The vectorized launcher: same results as the basic launcher, grouping, chunking, resume; and
every other launcher (joblib, submitit's local jobs, populations as submitit jobs) held to the
same reference sweep."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_module
from hydra.core.global_hydra import GlobalHydra
from omegaconf import OmegaConf

from lab1.config import CONFIG_PACKAGE, VERSION_BASE
from lab1.job.population import train_configs
from lab1.sweep.compose import JobComposer
from lab1.sweep.cost import chunk_cost, makespan
from lab1.sweep.plan import MEMBER_KEYS, chunks, plan, spread, workers
from lab1.sweep.settings import Sizes
from tests.helpers import (
    FAST,
    HALF,
    LOCAL,
    MIXED,
    assert_same_results,
    make_cfg,
    run_cli,
    submitted_jobs,
    with_keys,
)


def sweep(tmp_path, name: str, *args: str):
    proc = run_cli(["-m", f"hydra.sweep.dir={name}", *FAST, *args], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, tmp_path / name


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    _, basic = sweep(root, "basic", *MIXED, "launcher=basic")  # the reference
    assert "BasicLauncher" in next(basic.rglob(".hydra/hydra.yaml")).read_text()
    proc, vec = sweep(root, "vec", *MIXED)  # the default launcher for multiruns
    return root, basic, vec, proc


TIMING = ["wall_seconds", "epochs_per_second"]
LAUNCHERS = {
    "joblib": "JoblibLauncher",
    "submitit_local": "LocalLauncher",
    "vectorized": "VectorizedLauncher",
}


@pytest.mark.parametrize("launcher", list(LAUNCHERS))
def test_launchers_give_the_same_results(mixed, tmp_path, launcher):
    """results.csv under each launcher equals the basic launcher's: exactly, or within the
    vectorized launcher's stated tolerance (relative 1e-9 on losses and parameters). The
    vectorized launcher's is the module's sweep; the others run its 4 jobs of seed 1."""
    _, basic, vec, _ = mixed
    sw = vec if launcher == "vectorized" else sweep(tmp_path, "sw", *HALF, f"launcher={launcher}")[1]
    assert LAUNCHERS[launcher] in next(sw.rglob(".hydra/hydra.yaml")).read_text()
    exact = launcher != "vectorized"
    ours = pd.read_csv(sw / "results.csv").drop(columns=[*TIMING, "population"])
    theirs = pd.read_csv(basic / "results.csv").drop(columns=[*TIMING, "population"])
    theirs = theirs[theirs.job.isin(ours.job)].reset_index(drop=True)
    assert len(ours) == (8 if launcher == "vectorized" else 4)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=exact, rtol=1e-9, atol=0)
    for job in theirs.job:
        a = np.load(sw / job / "params.npz", allow_pickle=False)
        b = np.load(basic / job / "params.npz", allow_pickle=False)
        for k in a.files:
            np.testing.assert_allclose(a[k], b[k], rtol=0 if exact else 1e-9, atol=0 if exact else 1e-12)


def test_cluster_same_results_as_the_local_vectorized_launcher_in_fewer_jobs_than_runs(mixed, tmp_path):
    """launcher=vectorized_submitit_local: the module's sweep again as submitit jobs."""
    pytest.importorskip("submitit")
    _, _, local, _ = mixed
    # 20 ms of work per job and cpu: the 2 groups of 4 runs go to 2 jobs, in chunks of 2
    proc, cluster = sweep(tmp_path, "cluster", *MIXED, *LOCAL, "hydra.launcher.chunk_seconds=0.02")
    assert_same_results(cluster, local)
    jobs = submitted_jobs(cluster)
    assert len(jobs) == 2
    assert proc.stdout.count("lab1: job ") == 8
    assert "8 finished, 0 failed, 0 skipped" in proc.stdout
    hydra = next(cluster.rglob(".hydra/hydra.yaml")).read_text()
    assert "VectorizedSubmititLocalLauncher" in hydra
    pickles = [p for p in cluster.rglob("*.pkl") if ".submitit" not in p.parts]
    assert not pickles  # pickle only where submitit keeps its calls


def test_vectorized_is_the_default_and_matches_basic(mixed):
    _, basic, vec, proc = mixed
    hydra = next(vec.rglob(".hydra/hydra.yaml")).read_text()
    assert "VectorizedLauncher" in hydra
    assert proc.stdout.count("lab1: job ") == 8
    assert_same_results(vec, basic)
    table = pd.read_csv(vec / "results.csv")
    # lr and seed share a population; the optimizer kind does not: 2 groups of 4
    assert set(table.population) == {4}


def test_job_directories_are_written_as_a_normal_run(mixed):
    _, basic, vec, _ = mixed
    for job in (p.parent.parent for p in basic.rglob(".hydra/config.yaml")):
        ours = vec / job.name
        assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in job.iterdir())
        assert (ours / ".hydra/config.yaml").read_text() == (job / ".hydra/config.yaml").read_text()
        theirs = (job / ".hydra/overrides.yaml").read_text().replace("- launcher=basic\n", "")
        assert (ours / ".hydra/overrides.yaml").read_text() == theirs
        ha = OmegaConf.load(ours / ".hydra" / "hydra.yaml").hydra
        hb = OmegaConf.load(job / ".hydra" / "hydra.yaml").hydra
        for key in ("job.override_dirname", "job.num", "runtime.choices.optim", "runtime.output_dir"):
            assert str(OmegaConf.select(ha, key)).replace("/vec/", "/basic/") == str(
                OmegaConf.select(hb, key)
            ), key
        assert list(ha.overrides.task) == [o for o in hb.overrides.task if o != "launcher=basic"]


def test_composer_matches_hydra_and_composes_once_per_group_choice():
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        master = compose("config", overrides=["print_every=0"], return_hydra_config=True)
        loader = GlobalHydra.instance().config_loader()

        def load(overrides):
            return loader.load_sweep_config(master, overrides)

        composer = JobComposer(load)
        jobs = [
            [f"optim={o}", f"lr={lr}", f"seed={s}", "dataset=xor", "hidden=[3,4]"]
            for o in ("sgd", "adam")
            for lr in (0.1, 1e-4)
            for s in (0, 7)
        ]
        for overrides in jobs:
            fast = composer.compose(overrides)
            full = load(overrides)
            assert OmegaConf.to_container(fast) == OmegaConf.to_container(full), overrides
        assert composer.full == 2  # once for sgd, once for adam
        # a structural override (here ++, a forced add) is always composed in full
        composer.compose(["optim=sgd", "lr=0.1", "seed=3", "dataset=xor", "++hidden=[3,4]"])
        assert composer.full == 3


def test_grouping_and_chunking():
    base = ["dataset=xor", "epochs=10"]
    alike = make_cfg(*base)
    cfgs = [with_keys(alike, lr=lr, seed=s) for lr in (0.1, 0.2) for s in (0, 1, 2)]
    cfgs += [make_cfg(*base, "hidden=4"), make_cfg(*base, "optim=adam"), make_cfg(*base, "activation=relu")]
    cfgs += [make_cfg("dataset=linear", "epochs=10")]
    groups = plan(list(enumerate(cfgs)), Sizes(256, 10**9))
    assert [[i for i, _ in g] for g in groups] == [[0, 1, 2, 3, 4, 5], [6], [7], [8], [9]]
    small = plan(list(enumerate(cfgs)), Sizes(4, 10**9))
    assert [len(g) for g in small][:2] == [3, 3]  # 6 alike jobs, at most 4 at once: 3 + 3
    assert [len(c) for c in chunks(list(range(10)), 4)] == [4, 3, 3]


def test_a_setting_added_later_keeps_jobs_that_differ_in_it_apart():
    """What a population shares is every setting but ``MEMBER_KEYS`` and the optimizer's
    scalars: a training key the config gains later splits jobs that differ in it, with no
    list to update; a member key does not."""
    xor = make_cfg("dataset=xor")
    cfgs = [with_keys(xor), with_keys(xor), with_keys(xor, seed=3, lr=0.5)]
    cfgs.append(make_cfg("dataset=xor", "init=he", "optim=momentum", "optim.momentum=0.5"))
    cfgs.append(make_cfg("dataset=xor", "optim=momentum"))
    for cfg, value in zip(cfgs, (1, 2, 1, 1, 1)):
        OmegaConf.set_struct(cfg, False)
        cfg.new_training_key = value
    assert {"seed", "lr", "init"} <= set(MEMBER_KEYS)
    groups = plan(list(enumerate(cfgs)), Sizes())
    assert [[i for i, _ in g] for g in groups] == [[0, 2], [1], [3, 4]]


def test_spread_balances_work_not_job_counts():
    """One costly group (width 100) is split across the workers and handed out first."""
    quiet = "plots.per_job=false"  # training work only
    xor, wide = (
        make_cfg("dataset=xor", "epochs=1000", quiet),
        make_cfg("dataset=linear", "epochs=1000", "hidden=100", quiet),
    )
    cheap = [with_keys(xor, seed=s) for s in range(8)]
    costly = [with_keys(wide, seed=s) for s in range(4)]
    chunk_list = plan(list(enumerate(cheap + costly)), Sizes(256, 10**9))
    assert [len(c) for c in chunk_list] == [8, 4]
    out = spread(chunk_list, 2)
    costs = [chunk_cost(c) for c in out]
    assert costs == sorted(costs, reverse=True)
    assert sorted(i for c in out for i, _ in c) == list(range(12))
    assert makespan(out, 2) < makespan(chunk_list, 2)
    assert max(costs) <= sum(costs) / 2  # no chunk exceeds an equal share
    assert [i for i, _ in out[0]][0] >= 8  # the width-100 members come first


def test_workers_as_asked_or_one_for_a_small_sweep():
    def sweep(*overrides: str, jobs: int = 1) -> list:
        base = make_cfg("dataset=xor", *overrides)
        cfgs = [with_keys(base, seed=s) for s in range(jobs)]
        return plan(list(enumerate(cfgs)), Sizes(256, 10**9))

    cores = os.cpu_count() or 1
    small = sweep("epochs=10", "plots.per_job=false", jobs=4)
    big = sweep("epochs=1000000")
    assert workers(-1, small) == 1  # too little work to pay for starting processes
    assert workers(-1, big) == 1  # one job: nothing to share
    assert workers(-1, sweep("epochs=1000000", jobs=4)) == cores
    # the same small sweep drawing every run's figures is worth sharing out
    assert workers(-1, sweep("epochs=10", "plots.per_job=true", jobs=4)) == min(cores, 4)
    assert workers(2, small) == 2 and workers(3, big) == 3  # a number asked for is kept


def test_spread_does_not_leave_a_worker_idle():
    xor = make_cfg("dataset=xor", "epochs=1000")
    alike = [with_keys(xor, seed=s) for s in range(12)]
    one = plan(list(enumerate(alike)), Sizes(256, 10**9))
    assert [len(c) for c in spread(one, 2)] == [6, 6]
    three = plan(list(enumerate(alike)), Sizes(4, 10**9))
    assert [len(c) for c in three] == [4, 4, 4]
    halves = spread(three, 2)  # not 4 + 4 on one worker while the other idles after 4
    assert makespan(halves, 2) < makespan(three, 2)
    assert sorted(i for c in halves for i, _ in c) == list(range(12))
    assert spread(one, 1) == one  # one worker: nothing to balance


def test_chunked_sweep_gives_the_same_results(mixed, tmp_path):
    _, basic, _, _ = mixed
    _, vec = sweep(tmp_path, "chunked", *MIXED, "hydra.launcher.max_members=3")
    assert set(pd.read_csv(vec / "results.csv").population) == {2}  # groups of 4 in chunks of 2
    assert_same_results(vec, basic)


def test_worker_processes_train_and_write_the_same_jobs(mixed, tmp_path):
    """n_jobs=2 asks for two worker processes even for a small sweep: they train the chunks
    and write the job directories, per-job figures included; results as the basic launcher's."""
    _, basic, _, _ = mixed
    proc = run_cli(
        [
            "-m",
            "hydra.sweep.dir=pool",
            "print_every=0",
            "plots.sweep=false",
            *HALF,  # the figures take their time
            "hydra.launcher.n_jobs=2",
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    vec = tmp_path / "pool"
    assert_same_results(vec, basic, part=True)
    assert set(pd.read_csv(vec / "results.csv").population) == {2}  # 2 groups of 2: one for each worker
    for job in (p.parent for p in vec.rglob("metrics.json")):
        ours, job = job, basic / job.name
        for name in (
            "comparison.png",
            "learning_curve.png",
            "decision_boundary.png",
            ".hydra",
            "metrics.json",
        ):
            assert (ours / name).exists(), (job.name, name)
        assert (ours / ".hydra/config.yaml").read_text().replace("per_job: true", "per_job: false") == (
            job / ".hydra/config.yaml"
        ).read_text()
    assert proc.stdout.count("lab1: job ") == 4


def test_a_config_sent_to_a_worker_or_a_cluster_job_is_resolved_and_its_literals_stay_text():
    """Resolved in the launching process; a literal ``${`` (an escaped ``\\${x}``) stays text when
    the values are made a config again, and again: a cluster job's config, sent to its workers."""
    from lab1.sweep.pool import plain

    assert OmegaConf.create(plain(OmegaConf.create({"a": 1, "b": "${a}"}))) == {"a": 1, "b": 1}
    cfg = OmegaConf.create({"p": "\\${x}", "d": {"l": ["a \\${y}", 2]}})
    for _ in range(2):  # the cluster job's config, then its worker's
        cfg = OmegaConf.create(plain(cfg))
        assert OmegaConf.to_container(cfg, resolve=True) == {"p": "${x}", "d": {"l": ["a ${y}", 2]}}


def test_a_module_collecting_cannot_load_loses_no_run(tmp_path):
    """pandas broken: the workers write every run; only collecting fails. The launching process
    loads collect's modules while the workers train, and a failure there must not stop them."""
    broken = tmp_path / "broken" / "pandas"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("pandas is broken here")\n')
    args = ["-m", "dataset=xor", "lr=0.1,0.2", "seed=0,1", "epochs=100", "print_every=0"]
    args += ["plots.per_job=false", "launcher=vectorized", "hydra.launcher.n_jobs=2", "hydra.sweep.dir=sw"]
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "broken")}
    cmd = [sys.executable, "-m", "lab1", *args]
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=240, env=env)
    assert len(list((tmp_path / "sw").rglob("metrics.json"))) == 4, proc.stderr[-3000:]
    assert proc.stdout.count("lab1: job ") == 4
    assert "pandas is broken here" in proc.stderr


def assert_as_trained_alone(vec) -> None:
    """Every job of the sweep as its saved config trains alone, a population of one."""
    for job in sorted(p.parent for p in vec.glob("*/metrics.json")):
        (alone,) = train_configs([OmegaConf.load(job / ".hydra" / "config.yaml")])
        m = json.loads((job / "metrics.json").read_text())
        assert (m["accuracy"], m["diverged"], m["epochs_run"]) == (
            alone.accuracy,
            alone.diverged,
            alone.epochs_run,
        )
        if not alone.diverged:
            assert m["loss"] == pytest.approx(alone.loss, rel=1e-9), job.name
        with np.load(job / "params.npz", allow_pickle=False) as saved:
            for key, value in alone.params.items():
                np.testing.assert_allclose(saved[key], value, rtol=1e-9, atol=1e-12, err_msg=job.name)


def test_a_diverging_member_does_not_disturb_the_others(tmp_path):
    args = ["dataset=xor", "epochs=150", "output_activation=none", "lr=0.01,0.05,50", "seed=0,1"]
    _, vec = sweep(tmp_path, "vec", *args)
    table = pd.read_csv(vec / "results.csv")
    assert table[table.lr == 50].diverged.all() and not table[table.lr < 1].diverged.any()
    assert set(table.population) == {6}  # all six trained together
    assert_as_trained_alone(vec)


def test_ungroupable_jobs_run_one_at_a_time(tmp_path):
    args = ["dataset=linear", "epochs=100", "hidden=2,5", "activation=relu,tanh"]
    _, vec = sweep(tmp_path, "vec", *args)
    assert set(pd.read_csv(vec / "results.csv").population) == {1}
    assert_as_trained_alone(vec)


def test_resume_and_collection_after_a_vectorized_sweep(mixed):
    root, _, vec, _ = mixed
    before = {p: p.stat().st_mtime_ns for p in vec.rglob("metrics.json")}
    proc, _ = sweep(root, "vec", *MIXED)
    assert proc.stdout.count("already holds a finished run") == 8
    assert all(p.stat().st_mtime_ns == t for p, t in before.items())
    assert "8 finished, 0 failed, 0 skipped" in proc.stdout


def test_optuna_sweeper_gets_the_objective_from_the_vectorized_launcher(tmp_path):
    proc = run_cli(
        ["+search=optuna", "hydra.sweeper.n_trials=3", "epochs=200", "hydra.sweep.dir=opt", *FAST], tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    best = float(proc.stdout.split("Best value: ")[1].split()[0]) if "Best value" in proc.stdout else None
    if best is None:  # Hydra logs to stderr on some setups
        best = float(proc.stderr.split("Best value: ")[1].split()[0])
    table = pd.read_csv(tmp_path / "opt" / "results.csv")
    assert len(table) == 3 and best == pytest.approx(table.loss.min(), rel=1e-12)
