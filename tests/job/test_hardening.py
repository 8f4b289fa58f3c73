"""Hardening: your own CSV data, hostile input, faults during a sweep, numerics, safe files."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from lab1.__main__ import cli
from lab1.config import ConfigError, validate
from lab1.data import DataError, read_csv
from lab1.job.run import run
from tests.helpers import lab1_here, make_cfg, run_cli, stop_after_first_job, wait_for

# ---------------------------------------------------------------- CSV data

GOOD = "a,b,c,label\n0,0,1,0\n1,1,0,1\n0,1,1,1\n1,0,0,0\n"
BAD_FILES = {
    "empty": ("", "the file is empty"),
    "header only": ("a,b,label\n", "no data rows"),
    "no label column": ("a,b,y\n0,0,0\n1,1,1\n", "no label column 'label'"),
    "non-numeric": ("a,b,label\n0,x,0\n1,1,1\n", "non-numeric value 'x' in column 'b', row 1"),
    "NaN": ("a,b,label\n0,nan,0\n1,1,1\n", "NaN or infinite value in column 'b'"),
    "missing cell": ("a,b,label\n0,,0\n1,1,1\n", "NaN or infinite value in column 'b'"),
    "infinite": ("a,b,label\n0,inf,0\n1,1,1\n", "NaN or infinite value in column 'b'"),
    "label 2": ("a,b,label\n0,0,0\n1,1,2\n", "label 2 in column 'label'; labels must be 0 or 1"),
    "one class": ("a,b,label\n0,0,1\n1,1,1\n", "every label is 1; both classes"),
    "one feature": ("a,label\n0,0\n1,1\n", "1 feature column(s); at least 2"),
    "not a table": ('a,b,label\n0,"1,1\n', "not a readable CSV file"),
}


@pytest.fixture(scope="module")
def csv_cfg():
    """``dataset=csv`` composed once; each case sets its own ``dataset.path`` in a copy."""
    return make_cfg("dataset=csv")


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_csv_files_get_a_clear_message(tmp_path, csv_cfg, name):
    text, message = BAD_FILES[name]
    path = tmp_path / "data.csv"
    path.write_text(text)
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_csv(str(path), "label", None)
    cfg = csv_cfg.copy()
    cfg.dataset.path = str(path)  # as dataset.path=PATH composes
    with pytest.raises(ConfigError, match="dataset.path"):
        validate(cfg)


def test_csv_dataset_trains_and_reads_chosen_columns(tmp_path):
    (tmp_path / "data.csv").write_text(GOOD)
    X, y = read_csv(str(tmp_path / "data.csv"), "label", ["a", "b"])
    assert X.shape == (4, 2) and list(y) == [0, 1, 1, 0]
    proc = run_cli(["dataset=csv", "dataset.path=data.csv", "epochs=300", "print_every=0"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sum(line.startswith("Iter") for line in proc.stdout.splitlines()) == 4
    run_dir = next(p.parent.parent for p in tmp_path.rglob(".hydra/config.yaml"))
    assert list(pd.read_csv(run_dir / "predictions.csv").columns[:3]) == ["x0", "x1", "x2"]
    assert {p.name for p in tmp_path.iterdir()} == {"data.csv", "outputs"}  # nothing written elsewhere


@pytest.mark.parametrize(
    "args,message",
    [
        (["dataset.path=missing.csv"], "dataset.path='missing.csv': no such file"),
        (["dataset.path=bad.csv"], "non-numeric value 'x'"),
        ([], "dataset.path is not set"),
    ],
)
def test_bad_csv_on_the_command_line(tmp_path, monkeypatch, capfd, args, message):
    (tmp_path / "bad.csv").write_text(BAD_FILES["non-numeric"][0])
    code, _, err = lab1_here(["dataset=csv", *args], tmp_path, monkeypatch, capfd)
    assert code == 2 and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "outputs").exists() or not list(tmp_path.rglob(".hydra"))


# ---------------------------------------------------------------- hostile overrides

KEYS = [
    "lr",
    "hidden",
    "depth",
    "epochs",
    "seed",
    "batch_size",
    "dataset.n",
    "activation",
    "optim",
    "dataset",
    "loss",
    "init",
    "early_stop",
    "print_every",
    "log_every",
    "leaky_slope",
    "optim.momentum",
    "optim.beta1",
    "model",
    "model.kernel",
    "bias",
    "reuse",
    "nosuchkey",
    "optim.nosuch",
]
VALUES = [
    "-1",
    "0",
    "1e300",
    "abc",
    "[]",
    "[1,-2]",
    "null",
    "1e-400",
    "nan",
    "inf",
    "-inf",
    "1000000000000",
    "''",
    "${oops}",
    "true",
    "[3,[4]]",
    "{a:1}",
    "0.5",
    "2",
    "sgd",
    "range(3)",
    "1,2",
    " ",
]
SHAPES = ["{k}={v}", "+{k}={v}", "~{k}", "{k}=", "={v}", "{k}=={v}", "{k}={v}(", "++{k}={v}"]


def override() -> st.SearchStrategy[str]:
    return st.builds(
        lambda s, k, v: s.format(k=k, v=v),
        st.sampled_from(SHAPES),
        st.sampled_from(KEYS),
        st.sampled_from(VALUES),
    )


FUZZ_EXAMPLES = int(os.environ.get("LAB1_FUZZ_EXAMPLES", "25"))  # more, to search longer by hand


@settings(
    max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(overrides=st.lists(override(), min_size=1, max_size=3), multirun=st.booleans())
def test_hostile_overrides_run_or_get_a_short_message(tmp_path, monkeypatch, capfd, overrides, multirun):
    """Every case runs, or ends non-zero with a few lines naming the key, never a traceback.
    ``LAB1_FUZZ_EXAMPLES=500`` searches longer than the suite's 25 random cases."""
    work = Path(tempfile.mkdtemp(dir=tmp_path))  # hypothesis reuses tmp_path across examples
    monkeypatch.chdir(work)
    fast = ["epochs=3", "print_every=0", "plots.per_job=false", "hydra.sweep.dir=sw", "hydra.run.dir=run"]
    monkeypatch.setattr(sys, "argv", ["lab1", *(["-m"] if multirun else []), *fast, *overrides])
    try:
        cli()
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err
    if code:
        assert len(err.strip().splitlines()) <= 12, err
        named = [o.split("=")[0].lstrip("+~") or o for o in overrides]
        assert any(n and n in err for n in named) or "override" in err.lower(), err
        # nothing that looks like a finished run
        assert not list(work.rglob("metrics.json")) or multirun


# ---------------------------------------------------------------- faults during a sweep


def test_sigkill_mid_sweep_then_resume(tmp_path):
    args = [
        sys.executable,
        "-m",
        "lab1",
        "-m",
        "launcher=basic",
        "hydra.sweep.dir=sw",
        "dataset=xor",
        "lr=0.1,0.2,0.3,0.4",
        "epochs=4000",
        "print_every=0",
        "plots.per_job=false",
        "plots.sweep=false",
    ]
    proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sw = tmp_path / "sw"
    wait_for(lambda: len(list(sw.rglob("metrics.json"))) >= 2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = {p.parent: p.stat().st_mtime_ns for p in sw.rglob("metrics.json")}
    assert 2 <= len(finished) < 4
    collected = run_cli([str(sw)], tmp_path, module="lab1.collect")
    started = [p.parent.parent for p in sw.rglob(".hydra/config.yaml")]
    unfinished = [d for d in started if d not in finished]
    assert f"{len(finished)} finished, 0 failed, {len(unfinished)} skipped" in collected.stdout
    assert not list(sw.rglob(".*.tmp*"))  # no temporary file left looking like a result
    again = run_cli(args[3:], tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert again.stdout.count("already holds a finished run") == len(finished)
    assert all(d.joinpath("metrics.json").stat().st_mtime_ns == t for d, t in finished.items())
    table = pd.read_csv(sw / "results.csv")
    assert len(table) == 4 and (table.status == "ok").all()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_kill_stops_a_sweep_and_its_workers_in_one_line(tmp_path, sig):
    """Ctrl-C reaches the whole process group, as from a terminal; ``kill PID`` (SIGTERM)
    only the launching process. Either way it stops its worker processes within seconds,
    prints one line, exits 128 + the signal, and the finished job is kept."""
    # the narrow job's 5000 epochs take a fifth of a second, the wide one's twenty times that:
    # it is still training when the signal comes
    args = ["-m", "hydra.sweep.dir=sw", "dataset=linear", "hidden=2,200", "epochs=5000", "early_stop=null"]
    args += ["print_every=0", "plots.per_job=false", "hydra.launcher.n_jobs=2"]
    sw = tmp_path / "sw"
    proc, out, err = stop_after_first_job(args, tmp_path, sw, sig)  # the narrow job is done
    assert proc.returncode == 128 + sig, err
    assert "Traceback" not in out + err
    assert err.strip().splitlines()[-1].startswith("lab1: interrupted; every finished job is kept")
    assert wait_for(lambda: not _group_alive(proc.pid), 30)  # no worker left training
    finished = [p.parent for p in sw.rglob("metrics.json")]
    assert len(finished) == 1 and "hidden=2," in finished[0].name + ","
    collected = run_cli([str(sw)], tmp_path, module="lab1.collect")
    assert "1 finished, 0 failed, 1 skipped" in collected.stdout


@pytest.mark.parametrize("launcher", ["basic", "vectorized"])
@pytest.mark.parametrize(
    "bad, message",
    [
        ("hidden=0,4", "lab1: error: hidden=0 is not allowed"),  # refused after composition
        ("lr=0.1,abc", "lab1: error: lr='abc' is not allowed: a finite number > 0"),  # before it
        (
            "early_stop=${oops}",
            "lab1: error: early_stop: its interpolation cannot be resolved (Interpolation key",
        ),
    ],
)
def test_a_refused_sweep_leaves_no_sweep_directory(tmp_path, monkeypatch, capfd, launcher, bad, message):
    args = ["-m", f"launcher={launcher}", "hydra.sweep.dir=sw", bad, "epochs=10"]
    code, _, err = lab1_here(args, tmp_path, monkeypatch, capfd)
    assert code == 2 and message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "sw").exists()  # not even Hydra's multirun.yaml


@pytest.mark.parametrize(
    "args, message",
    [
        (["lr=${oops}"], "lr: its interpolation cannot be resolved (Interpolation key 'oops'"),
        (["hidden=0"], "hidden=0 is not allowed"),
        (["hidden=0", "hydra.job.chdir=true"], "hidden=0 is not allowed"),  # it ran in the directory
        (["-m", "hidden=0,4"], "hidden=0 is not allowed"),
    ],
)
def test_a_run_refused_after_hydra_made_its_directory_leaves_no_directories(
    tmp_path, monkeypatch, capfd, args, message
):
    """Refused by ``validate`` after Hydra made ``outputs/runs/<date>/<time>``: one line naming
    the key, and the empty directories go too. Hydra's list of overrides holds ``lr=${oops}``
    as well: it is read unresolved, so the refusal names ``lr``."""
    (tmp_path / "kept").mkdir()
    code, _, err = lab1_here([*args, "epochs=3"], tmp_path, monkeypatch, capfd)
    assert code == 2
    assert err.startswith(f"lab1: error: {message}"), err
    assert len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept", "outputs"]
    assert not list((tmp_path / "outputs").iterdir())


@pytest.mark.parametrize(
    "args",
    [
        ["hidden=0", "hydra.run.dir=mine/empty/run"],
        ["hidden=0", "hydra.run.dir=../elsewhere/run"],
        ["hidden=0", "hydra.run.dir=link/run"],
        ["-m", "hidden=0,4", "hydra.sweep.dir=mine/empty/run"],
        ["-m", "hidden=0,4", "hydra.sweep.dir=../elsewhere/run"],
        ["-m", "hidden=0,4", "hydra.sweep.dir=link/run"],
    ],
)
def test_a_refused_run_leaves_empty_directories_outside_outputs_alone(tmp_path, monkeypatch, capfd, args):
    """Only lab1's ``outputs/`` is pruned: a directory of the user's, one outside where lab1
    was started (``..``) or one reached through a symbolic link stays, though empty."""
    start = tmp_path / "start"
    for empty in (start / "mine" / "empty", tmp_path / "elsewhere", tmp_path / "target"):
        empty.mkdir(parents=True)
    (start / "link").symlink_to(tmp_path / "target")
    code, _, err = lab1_here(args, start, monkeypatch, capfd)
    assert code == 2 and "hidden=0 is not allowed" in err
    assert not list(start.rglob("run")) and not (tmp_path / "elsewhere" / "run").exists()
    for empty in (start / "mine" / "empty", tmp_path / "elsewhere", tmp_path / "target"):
        assert empty.is_dir(), empty


def test_a_word_for_a_number_is_refused_in_one_line_but_a_quoted_number_runs(tmp_path, monkeypatch, capfd):
    code, _, err = lab1_here(["optim=momentum", "optim.momentum=high"], tmp_path, monkeypatch, capfd)
    assert code == 2
    assert err.strip() == "lab1: error: optim.momentum='high' is not allowed: a number in [0, 1)"
    assert not (tmp_path / "outputs").exists()
    args = ["lr='0.5'", "epochs=5", "print_every=0", "plots.per_job=false"]
    code, _, err = lab1_here(args, tmp_path, monkeypatch, capfd)
    assert code == 0, err
    metrics = json.loads(next((tmp_path / "outputs").rglob("metrics.json")).read_text())
    assert metrics["epochs_run"] == 5


@pytest.mark.parametrize(
    "launcher",
    ["basic", "vectorized", "vectorized hydra.launcher.n_jobs=2"],
    ids=["basic", "vectorized", "workers"],
)
def test_a_job_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path, launcher):
    sw = tmp_path / "sw"
    broken = sw / "dataset=xor,epochs=50,lr=0.2"
    (broken / "predictions.csv").mkdir(parents=True)  # a directory where the job must write a file
    name, *settings = launcher.split()
    proc = run_cli(
        [
            "-m",
            f"launcher={name}",
            *settings,
            "hydra.sweep.dir=sw",
            "dataset=xor",
            "epochs=50",
            "lr=0.1,0.2,0.3",
            "print_every=0",
            "plots.per_job=false",
            "plots.sweep=false",
        ],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    table = pd.read_csv(sw / "results.csv").set_index("job")
    assert table.loc[broken.name, "status"] == "failed"
    assert "IsADirectoryError" in table.loc[broken.name, "error"]
    assert (table.drop(index=broken.name).status == "ok").all() and len(table) == 3
    assert "| failed |" in (sw / "summary.md").read_text() or "failed" in (sw / "summary.md").read_text()


def test_a_single_run_that_raises_exits_non_zero_without_traceback(tmp_path, monkeypatch, capfd):
    run_dir = tmp_path / "r"
    (run_dir / "history.csv").mkdir(parents=True)
    code, _, err = lab1_here(["hydra.run.dir=r", "epochs=20", "print_every=0"], tmp_path, monkeypatch, capfd)
    assert code == 1 and "failed: IsADirectoryError" in err
    assert "Traceback" not in err
    assert json.loads((run_dir / "error.json").read_text())["error"].startswith("IsADirectoryError")
    assert not (run_dir / "metrics.json").exists()


@pytest.mark.parametrize("multirun", [False, True])
def test_output_piped_into_head_still_saves_the_results(tmp_path, multirun):
    """``python -m lab1 | head -1``: the reader leaves early; the runs still finish and save."""
    args = ["epochs=4000", "print_every=1", "plots.per_job=false"]  # well over a pipe buffer of lines
    # the basic launcher's jobs print their losses too, so the pipe breaks mid-sweep
    args = (
        ["-m", *args, "hydra.sweep.dir=sw", "launcher=basic", "plots.sweep=false"]
        if multirun
        else [*args, "hydra.run.dir=r"]
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab1", *args], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline()
    proc.stdout.close()  # as head does after its line
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err.decode()[-2000:]
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    runs = sorted(tmp_path.glob("sw/*/metrics.json" if multirun else "r/metrics.json"))
    assert len(runs) == (2 if multirun else 1)  # a multirun covers both datasets
    assert all(json.loads(m.read_text())["epochs_run"] == 4000 for m in runs)
    assert not list(tmp_path.rglob("error.json"))
    if multirun:
        assert (tmp_path / "sw" / "results.csv").is_file()


# ---------------------------------------------------------------- numerics


@pytest.mark.parametrize(
    "args",
    [
        ["lr=1000"],
        ["lr=1e-8"],
        ["hidden=1000", "epochs=100", "plots.per_job=false"],
        ["loss=bce", "lr=1000"],
        ["loss=bce", "optim=adam", "lr=1000", "init=he"],
        ["output_activation=none", "lr=1000"],
        ["activation=relu", "lr=1000", "dataset=linear"],
    ],
)
def test_extreme_settings_give_numbers_or_a_recorded_divergence(tmp_path, args):
    """No NaN unless recorded as divergence, and no RuntimeWarning (pytest turns them into errors)."""
    cfg = make_cfg("epochs=300", "print_every=0", "plots.per_job=false", *args)
    run(cfg, tmp_path, verbose=False)
    m = json.loads((tmp_path / "metrics.json").read_text())
    h = pd.read_csv(tmp_path / "history.csv")
    p = pd.read_csv(tmp_path / "predictions.csv")
    if m["diverged"]:
        assert m["loss"] is None and m["diverged_epoch"] is not None
    else:
        assert math.isfinite(m["loss"]) and np.isfinite(h.loss).all() and np.isfinite(p.probability).all()
    assert 0 <= m["accuracy"] <= 1


# ---------------------------------------------------------------- safe files


def test_outputs_hold_no_pickle_and_load_safely(tmp_path):
    proc = run_cli(
        ["-m", "hydra.sweep.dir=sw", "dataset=xor", "lr=0.1,1", "epochs=50", "print_every=0"], tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    files = [p for p in (tmp_path / "sw").rglob("*") if p.is_file()]
    assert files
    for path in files:
        head = path.read_bytes()[:2]
        assert head not in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"), path  # pickle protocols
        suffix = path.suffix
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as data:
                assert all(data[k].dtype != object for k in data.files)
        elif suffix == ".json":
            json.loads(path.read_text())
        elif suffix == ".csv":
            pd.read_csv(path)
        elif suffix == ".yaml":
            OmegaConf.load(path)
        else:
            assert suffix in (".png", ".md", ".log"), path


@pytest.mark.parametrize(
    "setting, allowed",
    [
        ("max_members=0", "an integer >= 1"),
        ("chunk_bytes=-5", "an integer >= 1 (bytes)"),
        ("n_jobs=0", "-1 (one per core) or an integer >= 1"),
    ],
)
def test_a_bad_launcher_setting_is_refused(tmp_path, monkeypatch, capfd, setting, allowed):
    args = ["-m", "hydra.sweep.dir=sw", "hidden=3,4", "epochs=10", f"hydra.launcher.{setting}"]
    code, _, err = lab1_here(args, tmp_path, monkeypatch, capfd)
    key, value = setting.split("=")
    assert code == 2
    assert err.strip() == f"lab1: error: hydra.launcher.{key}={value} is not allowed: {allowed}"
    assert not (tmp_path / "sw").exists()
