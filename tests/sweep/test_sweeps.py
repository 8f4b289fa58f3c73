"""Multiruns end to end: collection, the sweep files, resume, reuse. (Every launcher's results
against the basic launcher's: tests/sweep/test_vectorized.py, which holds that reference sweep.)"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from hydra import compose, initialize_config_module

from lab1.config import CONFIG_PACKAGE, VERSION_BASE, group_choices
from lab1.sweep.collect import main as collect_main
from tests.helpers import lab1_here, run_cli

FAST = ["epochs=300", "print_every=0", "plots.per_job=false", "plots.sweep=false"]


def sweep(tmp_path, *args: str, name: str = "sw"):
    proc = run_cli(["-m", f"hydra.sweep.dir={name}", *FAST, *args], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc, tmp_path / name


@pytest.fixture(scope="module")
def mission(tmp_path_factory):
    """The mission's command (fewer epochs, two seeds): 16 jobs over both datasets."""
    root = tmp_path_factory.mktemp("mission")
    proc, sw = sweep(root, "optim=sgd,adam", "lr=1e-4,1e-2", "seed=0,1", "plots.sweep=true")
    return root, proc, sw


def test_mission_sweep_covers_both_datasets_and_collects(mission):
    _, proc, sw = mission
    table = pd.read_csv(sw / "results.csv")
    assert len(table) == 16
    assert sorted(table["dataset"].unique()) == ["linear", "xor"]
    assert set(zip(table["optim"], table["lr"], table["seed"])) == {
        (o, lr, s) for o in ("sgd", "adam") for lr in (1e-4, 1e-2) for s in (0, 1)
    }
    for column in ("job", "status", "loss", "accuracy", "epochs_to_100", "diverged", "initial_loss"):
        assert column in table.columns
    assert list(table.columns[1:3]) == ["optim", "lr"]  # the swept keys come first
    # every row is the job's own metrics.json
    for row in table.itertuples():
        m = json.loads((sw / row.job / "metrics.json").read_text())
        assert row.accuracy == m["accuracy"] and row.epochs_run == m["epochs_run"]
    assert "collected" in proc.stdout and "16 finished, 0 failed, 0 skipped" in proc.stdout
    for name in ("summary.md", "learning_curves.png", "heatmap.png"):
        assert (sw / name).is_file(), name


def test_summary_groups_over_seeds(mission):
    _, _, sw = mission
    table = pd.read_csv(sw / "results.csv")
    text = (sw / "summary.md").read_text()
    assert "Swept: optim, lr." in text
    rows = [line for line in text.splitlines() if line.startswith("| linear") or line.startswith("| xor")]
    assert len(rows) == 8  # 2 datasets x 2 optimizers x 2 learning rates, seeds grouped
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        dataset, optim, lr = cells[0], cells[1], float(cells[2])
        g = table[(table.dataset == dataset) & (table.optim == optim) & (table.lr == lr)]
        assert cells[3] == "2"
        assert cells[5].startswith(f"{100 * g.accuracy.mean():.1f} ± {100 * g.accuracy.std():.1f}")
        assert cells[6] == f"{g.epochs_to_100.notna().sum()}/2"
        reached = g.epochs_to_100.dropna()
        assert cells[7] == (f"{reached.median():.0f}" if len(reached) else "never")


def test_fast_yaml_reads_as_omegaconf_does(mission, tmp_path):
    from omegaconf import OmegaConf

    from lab1.sweep.results import load_yaml

    _, _, sw = mission
    files = sorted(sw.glob("*/.hydra/*.yaml"))
    assert len(files) == 3 * 16
    for path in files:  # config (with interpolations), hydra and overrides of real jobs
        assert load_yaml(path) == OmegaConf.to_container(OmegaConf.load(path)), path
    odd = tmp_path / "odd.yaml"
    odd.write_text("a: 1e-4\nb: 2001-01-01\nc: ${a}\nd: .inf\ne: [1_000, '1e3', null, yes]\n")
    assert load_yaml(odd) == OmegaConf.to_container(OmegaConf.load(odd))
    assert load_yaml(odd)["a"] == 1e-4 and load_yaml(odd)["b"] == "2001-01-01"
    odd.write_text("a: 1\na: 2\n")
    with pytest.raises(Exception, match="repeated key"):
        load_yaml(odd)


def test_collect_by_hand_skips_corrupt_and_partial_jobs(mission, tmp_path):
    _, _, sw = mission
    copy = tmp_path / "copy"
    shutil.copytree(sw, copy)
    for name in ("results.csv", "summary.md"):
        (copy / name).unlink()
    jobs = sorted(p.parent.parent for p in copy.rglob(".hydra/config.yaml"))
    (jobs[0] / "metrics.json").write_text('{"loss": 0.1, "accur')  # corrupt
    (jobs[1] / "metrics.json").unlink()  # partial: killed before it finished
    proc = run_cli([str(copy)], tmp_path, module="lab1.collect")
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 2
    assert jobs[0].name in warnings[0] + warnings[1] and jobs[1].name in warnings[0] + warnings[1]
    assert "14 finished, 0 failed, 2 skipped" in proc.stdout
    table = pd.read_csv(copy / "results.csv")
    assert len(table) == 14 and jobs[0].name not in set(table.job)
    assert (copy / "summary.md").is_file() and (copy / "heatmap.png").is_file()


def test_collect_rejects_a_directory_without_jobs(tmp_path, capsys):
    for where, says in ((tmp_path, "holds no job directories"), (tmp_path / "nope", "is not a directory")):
        with pytest.raises(SystemExit) as exit_:
            collect_main([str(where)])
        assert exit_.value.code == 2 and says in capsys.readouterr().err


def test_one_axis_draws_bars_and_labels_what_was_swept(tmp_path):
    _, sw = sweep(tmp_path, "hidden=2,8", "dataset=xor", "plots.sweep=true")
    table = pd.read_csv(sw / "results.csv")
    assert len(table) == 2 and set(table.dataset) == {"xor"}  # naming dataset replaces the default pair
    assert (sw / "bars.png").is_file() and not (sw / "heatmap.png").exists()
    assert "Swept: hidden." in (sw / "summary.md").read_text()


def test_resume_trains_nothing_twice(tmp_path):
    args = ["lr=0.1,1", "dataset=xor"]
    _, sw = sweep(tmp_path, *args)
    first = {p: p.stat().st_mtime_ns for p in sw.rglob("metrics.json")}
    params = {p: p.with_name("params.npz").read_bytes() for p in first}
    proc, _ = sweep(tmp_path, *args, "lr=0.1,1,10")  # the same jobs plus one new one
    assert proc.stdout.count("already holds a finished run") == 2
    after = {p: p.stat().st_mtime_ns for p in sw.rglob("metrics.json")}
    assert len(after) == 3
    assert all(after[p] == t for p, t in first.items())  # finished runs untouched
    assert len(pd.read_csv(sw / "results.csv")) == 3
    # a changed config in the same job directory is not mistaken for the finished run
    proc, _ = sweep(tmp_path, *args, "resume=false")
    assert "already holds" not in proc.stdout
    assert all(p.stat().st_mtime_ns != t for p, t in first.items())
    assert all(p.with_name("params.npz").read_bytes() == b for p, b in params.items())  # same numbers


@pytest.fixture(scope="module")
def reuse_source(tmp_path_factory):
    """A finished sweep to copy runs from (xor, seeds 0 and 1, no per-run figures)."""
    root = tmp_path_factory.mktemp("reuse")
    return sweep(root, "dataset=xor", "seed=0,1", name="src")[1]


def test_reuse_copies_finished_runs_of_the_same_config(reuse_source, tmp_path):
    """reuse=DIR: a job whose config matches a finished run there is copied whole, the rest
    train; a second call finds every job finished in its own directory."""
    src = reuse_source
    args = ["dataset=xor", "seed=0,1", "lr=0.1,0.5", f"reuse={src.parent}"]  # searched recursively
    proc, sw = sweep(tmp_path, *args)
    assert proc.stdout.count("copied the finished run of this config from") == 2  # lr=0.1 is the default
    table = pd.read_csv(sw / "results.csv")
    assert len(table) == 4 and (table["status"] == "ok").all() and "reuse" not in table.columns
    for job in ("dataset=xor,epochs=300,lr=0.1,seed=0", "dataset=xor,epochs=300,lr=0.1,seed=1"):
        source = src / job.replace("lr=0.1,", "")
        assert f"{job}: copied the finished run of this config from {source} " in proc.stdout
        for name in ("metrics.json", "params.npz", "params_init.npz", "history.csv", "predictions.csv"):
            assert (sw / job / name).read_bytes() == (source / name).read_bytes(), name
        assert "lr=0.1" in (sw / job / ".hydra" / "overrides.yaml").read_text()  # its own snapshot
    trained = table[table["lr"] == 0.5]
    assert (trained["population"] == 2).all()  # the other two trained here, as one population
    proc, _ = sweep(tmp_path, *args)
    assert proc.stdout.count("already holds a finished run") == 4 and "copied" not in proc.stdout


def test_reuse_needs_figures_when_the_job_draws_them(reuse_source, tmp_path):
    src = reuse_source  # plots.per_job=false: no figures to copy
    proc = run_cli(
        ["-m", "hydra.sweep.dir=sw", "epochs=300", "dataset=xor", "seed=0", f"reuse=[{src}]"], tmp_path
    )
    assert proc.returncode == 0 and "copied" not in proc.stdout  # trained, and drew its figures
    job = tmp_path / "sw" / "dataset=xor,epochs=300,seed=0"
    assert (job / "comparison.png").is_file()
    assert (
        json.loads((job / "metrics.json").read_text())["config_hash"]
        == json.loads((src / "dataset=xor,epochs=300,seed=0" / "metrics.json").read_text())["config_hash"]
    )
    # a single run copies figures and all from a run directory that has them
    quoted = f"reuse='{job}'"  # the job's name holds = and ,
    proc = run_cli(["hydra.run.dir=one", "epochs=300", "dataset=xor", "seed=0", quoted], tmp_path)
    assert proc.returncode == 0 and "copied the finished run" in proc.stdout
    assert (tmp_path / "one" / "comparison.png").read_bytes() == (job / "comparison.png").read_bytes()


def test_reuse_of_a_missing_directory_is_refused(tmp_path, monkeypatch, capfd):
    code, _, err = lab1_here(
        ["-m", "hydra.sweep.dir=sw", *FAST, "reuse=[nowhere]"], tmp_path, monkeypatch, capfd
    )
    assert code == 2 and "Traceback" not in err
    assert "reuse=['nowhere'] is not allowed: an existing directory, a list of them, or null" in err
    assert not (tmp_path / "sw").exists()


def test_every_sweep_file_composes():
    names = group_choices("sweep")
    assert {"lr", "hidden", "no_activation", "optimizers", "activations", "bias", "baseline", "conv"} <= set(
        names
    )
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        for name in names:
            cfg = compose("config", overrides=[f"+sweep={name}"], return_hydra_config=True)
            params = cfg.hydra.sweeper.params
            assert cfg.hydra.mode.name == "MULTIRUN", name
            assert params.dataset == ("bars" if name == "conv" else "linear,xor"), name
            assert params.seed == "range(5)", name
            assert cfg.early_stop is None, name
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        lr = compose("config", overrides=["+sweep=lr"], return_hydra_config=True).hydra.sweeper.params.lr
    values = [float(v) for v in lr.split(",")]
    assert min(values) == 1e-4 and max(values) >= 100


def test_lr_sweep_reaches_a_rate_where_training_fails(tmp_path):
    proc = run_cli(["+sweep=lr", "hydra.sweep.dir=sw", "seed=0", "lr=1e-4,100", *FAST], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = pd.read_csv(tmp_path / "sw" / "results.csv")
    big = table[table.lr == 100]
    assert len(big) == 2 and (big.loss > big.initial_loss).all()  # lr=100 ends worse than it started
