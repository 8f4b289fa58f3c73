"""Every mistake a student makes gets an answer: early stopping, help, keys with no effect,
missing extras, quiet multiruns, reruns. Each case runs the real ``python -m lab1``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lab1.config import ConfigError, config_groups, group_choices
from lab1.config.checks import MEANINGS
from lab1.config.extras import check_extras
from lab1.config.keys_known import known_keys, section_keys
from tests.helpers import lab1_here, run_cli, single_run_dir


def _metrics(path: Path) -> dict:
    return json.loads((path / "metrics.json").read_text())


def test_early_stop_false_means_off(tmp_path, monkeypatch, capfd):
    code, out, err = lab1_here(
        ["early_stop=false", "epochs=50", "print_every=0", "plots.per_job=false"],
        tmp_path,
        monkeypatch,
        capfd,
    )
    assert code == 0, err
    m = _metrics(single_run_dir(tmp_path))
    assert m["epochs_run"] == 50 and not m["early_stopped"] and m["stopped_by"] is None


def test_stop_accuracy_stops_at_the_epoch_of_100_percent(tmp_path, monkeypatch, capfd):
    args = [
        "optim=adam",
        "lr=0.01",
        "dataset=xor",
        "stop_accuracy=1.0",
        "print_every=0",
        "plots.per_job=false",
    ]
    code, out, err = lab1_here(args, tmp_path, monkeypatch, capfd)
    assert code == 0, err
    m = _metrics(single_run_dir(tmp_path))
    assert m["early_stopped"] and m["stopped_by"] == "stop_accuracy" and m["accuracy"] == 1.0
    assert m["epochs_run"] == m["epochs_to_100"] < 20000
    assert f"early stop at epoch {m['epochs_run']}: accuracy reached stop_accuracy=1" in out


def test_early_stop_on_the_loss_says_so(tmp_path, monkeypatch, capfd):
    code, out, err = lab1_here(
        ["early_stop=1.0", "print_every=0", "plots.per_job=false"], tmp_path, monkeypatch, capfd
    )
    assert code == 0, err
    assert "early stop at epoch 0: loss fell to early_stop=1" in out


@pytest.mark.parametrize("launcher", ["vectorized", "basic"])
def test_stop_accuracy_in_populations_and_every_launcher(tmp_path, monkeypatch, capfd, launcher):
    args = ["-m", f"launcher={launcher}", "optim=adam", "dataset=xor", "lr=0.01,0.05", "stop_accuracy=1.0"]
    args += ["plots.per_job=false", "print_every=0"]
    code, out, err = lab1_here([*args, "hydra.sweep.dir=sw"], tmp_path, monkeypatch, capfd)
    assert code == 0, err
    jobs = sorted((tmp_path / "sw").glob("*/metrics.json"))
    assert len(jobs) == 2
    stops = []
    for path in jobs:
        m = json.loads(path.read_text())
        assert m["stopped_by"] == "stop_accuracy" and m["epochs_run"] == m["epochs_to_100"]
        stops.append(m["epochs_run"])
    for epoch in stops:
        assert f"early stop at epoch {epoch}: accuracy reached stop_accuracy=1" in out


def test_help_lists_every_key_and_the_real_choices(tmp_path, monkeypatch, capfd):
    code, out, err = lab1_here(["--help"], tmp_path, monkeypatch, capfd)
    assert code == 0, err
    text = out
    assert "_schema" not in text
    groups = config_groups()
    for group in groups:
        assert f"  {group:<10} {', '.join(group_choices(group))}:" in text, group
    for key in known_keys(groups):
        if key not in (*groups, *section_keys()) and not key.endswith(".name"):
            line = next((line for line in text.splitlines() if line.split()[:1] == [key]), None)
            assert line is not None and MEANINGS[key] in line, key
    assert "a finite number > 0" in next(line for line in text.splitlines() if line.split()[:1] == ["lr"])


@pytest.mark.parametrize(
    "args, says",
    [
        (["dataset.n=50"], "dataset.n has no effect with dataset=xor"),
        (["dataset=xor4", "dataset.n=50"], "dataset.n has no effect with dataset=xor4"),
        (["model.hidden=3"], "model.hidden has no effect with model=mlp: the MLP's widths are hidden="),
        (["dataset=bars", "model=cnn", "hidden=4"], "hidden has no effect with model=cnn"),
        (["-m", "dataset.n=50,60"], "dataset.n has no effect with dataset=xor"),
    ],
)
def test_a_key_with_no_effect_is_refused(tmp_path, monkeypatch, capfd, args, says):
    code, out, err = lab1_here([*args, "epochs=5"], tmp_path, monkeypatch, capfd)
    assert code == 2
    assert err.strip().splitlines() == [err.strip()] and says in err
    assert not list(tmp_path.rglob(".hydra")) and not list(tmp_path.rglob("metrics.json"))


def test_a_key_that_has_an_effect_still_runs(tmp_path, monkeypatch, capfd):
    code, out, err = lab1_here(
        ["dataset=linear", "dataset.n=30", "epochs=5", "print_every=0"], tmp_path, monkeypatch, capfd
    )
    assert code == 0, err
    assert _metrics(single_run_dir(tmp_path))["n_samples"] == 30


def test_a_missing_extra_names_its_pip_install():
    table = {("launcher", "joblib"): ("hydra_plugins.no_such_launcher_here", "joblib")}
    with pytest.raises(
        ConfigError, match=r"launcher=joblib needs lab1's joblib extra: pip install -e '\.\[joblib\]'"
    ):
        check_extras([("launcher", "joblib")], table)
    check_extras([("launcher", "joblib")])  # installed here (a test extra): no error


def test_a_multirun_job_prints_one_line_and_logs_its_listing(tmp_path):
    """Under Hydra's launchers (here joblib's worker processes; basic's jobs run the same
    code in the launching process), a job prints one line and logs its listing."""
    args = ["-m", "launcher=joblib", "dataset=xor", "lr=0.1,1", "epochs=20", "hydra.sweep.dir=sw"]
    args += ["plots.per_job=false"]
    proc = run_cli(args, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Iter0" not in proc.stdout, proc.stdout
    job_lines = [line for line in proc.stdout.splitlines() if line.startswith("lab1: job ")]
    assert len(job_lines) == 2 and all("accuracy=" in line for line in job_lines), proc.stdout + proc.stderr
    logs = list((tmp_path / "sw").glob("*/lab1.log"))
    assert len(logs) == 2
    for log in logs:
        text = log.read_text()
        assert "Iter20 | Ground truth: 1 | prediction: " in text and "accuracy=" in text, (log, text)


def test_a_saved_run_reruns_bit_for_bit(tmp_path):
    proc = run_cli(
        [
            "optim=adam",
            "lr=0.01",
            "epochs=300",
            "dataset=linear",
            "seed=3",
            "print_every=0",
            "plots.per_job=false",
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    run = single_run_dir(tmp_path)
    hydra_way = run_cli(["--config-dir", str(run / ".hydra"), "--config-name", "config"], tmp_path)
    assert hydra_way.returncode == 2
    assert f"python -m lab1.rerun {run}" in hydra_way.stderr and len(hydra_way.stderr.splitlines()) == 1
    again = run_cli([str(run), "--out", "again"], tmp_path, module="lab1.rerun")
    assert again.returncode == 0, again.stderr
    before, after = np.load(run / "params.npz"), np.load(tmp_path / "again" / "params.npz")
    assert before.files == after.files
    for key in before.files:
        assert before[key].tobytes() == after[key].tobytes(), key
    assert _metrics(run)["config_hash"] == _metrics(tmp_path / "again")["config_hash"]
    missing = run_cli([str(tmp_path / "nope")], tmp_path, module="lab1.rerun")
    assert missing.returncode == 2 and "is not a run directory of lab1" in missing.stderr


def test_a_run_saved_before_newer_keys_reruns_bit_for_bit(tmp_path):
    """A run whose saved config lacks keys lab1 gained since gets their defaults, which are off."""
    from omegaconf import OmegaConf

    proc = run_cli(["epochs=200", "dataset=linear", "print_every=0", "plots.per_job=false"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    run = single_run_dir(tmp_path)
    saved = OmegaConf.load(run / ".hydra" / "config.yaml")
    for key in ("stop_accuracy", "logger"):
        saved.pop(key)
    saved.plots.pop("animation")
    OmegaConf.save(saved, run / ".hydra" / "config.yaml")
    again = run_cli([str(run), "--out", "again"], tmp_path, module="lab1.rerun")
    assert again.returncode == 0, again.stderr
    before, after = np.load(run / "params.npz"), np.load(tmp_path / "again" / "params.npz")
    assert all(before[k].tobytes() == after[k].tobytes() for k in before.files)
