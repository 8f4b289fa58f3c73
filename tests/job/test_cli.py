"""The CLI end to end in a subprocess: files, console output, bad input, determinism."""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
import pytest

from lab1.__main__ import cli
from tests.helpers import run_cli, single_run_dir

FILES = [
    ".hydra/config.yaml",
    "metrics.json",
    "history.csv",
    "predictions.csv",
    "params_init.npz",
    "params.npz",
    "comparison.png",
    "learning_curve.png",
    "decision_boundary.png",
]


def test_single_run_writes_every_file(tmp_path):
    proc = run_cli(["dataset=xor", "epochs=3000", "print_every=1000"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [line for line in lines if line.startswith("epoch ")][:2] == [
        line for line in lines if line.startswith("epoch ")
    ][:2]
    assert sum(line.startswith("epoch ") and " loss : " in line for line in lines) == 4  # 0,1000,2000,3000
    iters = [line for line in lines if line.startswith("Iter")]
    assert len(iters) == 21 and "| Ground truth: 0 | prediction: " in iters[0]
    assert lines[-2].startswith("loss=") and lines[-2].endswith("%")
    assert "Traceback" not in proc.stderr and "RuntimeWarning" not in proc.stderr

    run = single_run_dir(tmp_path)
    assert lines[-1] == f"lab1: wrote {run}"  # a single run ends with where it saved its files
    assert (run / "lab1.log").read_text().splitlines() == lines  # and its log holds what it printed
    for name in FILES:
        assert (run / name).is_file(), name
    m = json.loads((run / "metrics.json").read_text())
    for key in (
        "loss",
        "accuracy",
        "epochs_run",
        "epochs_to_100",
        "diverged",
        "wall_seconds",
        "epochs_per_second",
    ):
        assert key in m
    assert 0 <= m["accuracy"] <= 1 and m["epochs_run"] == 3000 and m["diverged"] is False
    pred = pd.read_csv(run / "predictions.csv")
    assert list(pred.columns) == ["x0", "x1", "label", "probability", "predicted"]
    assert len(pred) == 21
    assert m["accuracy"] == pytest.approx((pred.label == pred.predicted).mean())
    assert lines[-2] == f"loss={m['loss']:.10g} accuracy={100 * m['accuracy']:.2f}%"
    hist = pd.read_csv(run / "history.csv")
    assert list(hist.columns) == ["epoch", "loss", "accuracy"]
    assert hist.epoch.iloc[0] == 0 and hist.epoch.iloc[-1] == 3000 and len(hist) <= 1001
    with np.load(run / "params.npz", allow_pickle=False) as p:
        assert sorted(p.files) == ["W1", "W2", "W3", "b1", "b2", "b3"]
        assert p["W1"].shape == (2, 10) and p["b1"].shape == (10,) and p["W3"].shape == (10, 1)
        W = {k: p[k] for k in p.files}
    with np.load(run / "params_init.npz", allow_pickle=False) as p0:
        assert np.all(p0["b1"] == 0) and not np.array_equal(p0["W1"], W["W1"])
    # the saved parameters reproduce the saved predictions with a plain numpy forward pass
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h = pred[["x0", "x1"]].to_numpy()
    for i in (1, 2, 3):
        h = sig(h @ W[f"W{i}"] + W[f"b{i}"])
    np.testing.assert_allclose(h[:, 0], pred.probability, rtol=1e-10)


def test_same_config_is_bit_identical(tmp_path):
    runs = []
    for i in range(2):
        cwd = tmp_path / str(i)
        cwd.mkdir()
        proc = run_cli(["dataset=linear", "epochs=400", "seed=3", "plots.per_job=false"], cwd)
        assert proc.returncode == 0, proc.stderr
        runs.append(single_run_dir(cwd))
    a, b = (json.loads((r / "metrics.json").read_text()) for r in runs)
    for key in ("loss", "accuracy", "epochs_run", "epochs_to_100", "diverged"):
        assert a[key] == b[key]
    with np.load(runs[0] / "params.npz") as pa, np.load(runs[1] / "params.npz") as pb:
        for key in pa.files:
            assert pa[key].tobytes() == pb[key].tobytes()


def test_divergence_exits_zero_with_figures(tmp_path):
    proc = run_cli(["dataset=xor", "output_activation=none", "lr=50", "epochs=2000"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "RuntimeWarning" not in proc.stderr and "Traceback" not in proc.stderr
    run = single_run_dir(tmp_path)
    m = json.loads((run / "metrics.json").read_text())
    assert m["diverged"] is True and m["loss"] is None and 0 < m["diverged_epoch"] < 2000
    assert (run / "learning_curve.png").is_file() and (run / "comparison.png").is_file()
    assert "diverged at epoch" in proc.stdout


def test_configs_found_from_any_directory(tmp_path):
    proc = run_cli(["--cfg", "job"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "optim:" in proc.stdout and "dataset:" in proc.stdout


BAD = [
    (["optim=lbfgs"], "optim"),
    (["activation=swish"], "activation"),
    (["lr=-0.1"], "lr"),
    (["lr=abc"], "lr"),
    (["hidden=0"], "hidden"),
    (["hidden=[4,0]"], "hidden"),
    (["epochs=-5"], "epochs"),
    (["dataset=linear", "dataset.n=0"], "dataset.n"),
    (["loss=bce", "output_activation=none"], "output_activation"),
    (["loss=hinge"], "loss"),
    (["init=zeros"], "init"),
    (["batch_size=0"], "batch_size"),
]


def check_refused(tmp_path, code: int, out: str, err: str, key: str) -> None:
    """Non-zero exit, a few lines naming the key, no traceback, nothing that looks like a run."""
    assert code != 0
    assert "Traceback" not in err + out
    assert key.split(".")[-1] in err
    assert len(err.strip().splitlines()) <= 8, err
    assert not list(tmp_path.rglob("metrics.json"))
    assert not list(tmp_path.rglob(".hydra"))


@pytest.mark.parametrize("args,key", BAD[:3], ids=[" ".join(a) for a, _ in BAD[:3]])
def test_bad_input_in_a_real_process(tmp_path, args, key):
    proc = run_cli(args, tmp_path, timeout=60, fresh=True)  # as a user types it, in a new interpreter
    check_refused(tmp_path, proc.returncode, proc.stdout, proc.stderr, key)


@pytest.mark.parametrize("args,key", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_short_message_no_traceback(tmp_path, monkeypatch, capfd, args, key):
    """The same entry point in this process (fast): python -m lab1 ARGS."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["lab1", *args])
    with pytest.raises(SystemExit) as exit_:
        cli()
    out, err = capfd.readouterr()
    check_refused(tmp_path, exit_.value.code, out, err, key)


@pytest.mark.parametrize("columns", [1, 3])
def test_csv_files_are_written_as_pandas_writes_them(tmp_path, columns):
    """history.csv and predictions.csv are written without pandas, byte for byte as
    ``DataFrame.to_csv(index=False)`` writes them: NaN, infinities, tiny and huge numbers."""
    from lab1.job.artifacts import write_csv

    values = np.array([0.24836256049999997, 1e-05, 5e-324, np.inf, -np.inf, np.nan, 1 / 3, 1e16, 0.0, -0.0])
    data = {"epoch": np.arange(len(values)), "loss": values, "accuracy": values[::-1]}
    data = dict(list(data.items())[-columns:])
    write_csv(tmp_path / "ours.csv", data)
    pd.DataFrame(data).to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
