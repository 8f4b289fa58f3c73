"""The one-line answers: integral floats for integer keys, dashed words, the report's whole
option names, and the rerun's verdict."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from lab1.config import ConfigError, precheck_overrides
from lab1.config.command_line import HYDRA_FLAGS
from lab1.config.keys_known import integer_keys
from tests.helpers import QUICK, make_cfg, run_cli


def test_integer_keys_come_from_the_schema():
    keys = integer_keys()
    assert {"epochs", "seed", "depth", "dataset.n", "model.pool", "batch_size"} <= keys
    assert not {"lr", "hidden", "leaky_slope", "bias", "dataset.noise"} & keys


@pytest.mark.parametrize(
    "args, read",
    [
        (["epochs=1e4"], ["epochs=10000"]),
        (["epochs=10000.0", "lr=1e-2"], ["epochs=10000", "lr=1e-2"]),  # lr is a float: as given
        (["-m", "epochs=100,1e3", "seed=0"], ["-m", "epochs=100,1000", "seed=0"]),
        (["-m", "+dataset.n=range(1e1,3e1,1e1)"], ["-m", "+dataset.n=10,20"]),
        (["epochs=100", "print_every=1e2"], ["epochs=100", "print_every=100"]),
    ],
)
def test_an_integral_float_is_read_as_that_integer(args, read):
    assert precheck_overrides(args) == read


@pytest.mark.parametrize("args", [["epochs=1.5"], ["-m", "epochs=100,1.5"], ["seed=inf"], ["dataset.n=2.5"]])
def test_a_non_integral_number_for_an_integer_key_is_refused(args):
    with pytest.raises(ConfigError) as err:
        precheck_overrides(args)
    key = args[-1].split("=")[0]
    assert str(err.value).startswith(f"{key}=") and "is not allowed: an integer" in str(err.value)


@pytest.mark.parametrize(
    "args, answer",
    [
        (["--lr=0.1"], "write lr=0.1"),
        (["--lr", "0.1"], "--lr 0.1 is not a flag: lab1's settings take no dashes; write lr=0.1"),
        (["-m", "--epochs=100"], "write epochs=100"),
        (["--dataset.n=50"], "write dataset.n=50"),
        (["--hidden"], "write hidden=VALUE"),
        (["--multi", "lr=0.1,1"], "did you mean --multirun?"),
        (["--frobnicate"], "see python -m lab1 --help"),
    ],
)
def test_a_dashed_word_gets_the_override_to_write(args, answer):
    with pytest.raises(ConfigError) as err:
        precheck_overrides(args)
    assert answer in str(err.value) and "\n" not in str(err.value)


def test_hydras_own_flags_still_pass():
    for args in (["--cfg", "job", "lr=0.1"], ["-m", "lr=0.1,1"], ["--info", "config"], ["-c", "job"]):
        assert precheck_overrides(args) == args


def test_the_flags_are_hydras():
    from hydra._internal.utils import get_args_parser  # a test may read Hydra's own parser

    hydras = {s for action in get_args_parser()._actions for s in action.option_strings}
    assert hydras == HYDRA_FLAGS


def test_the_cli_reads_an_integral_float_and_refuses_the_rest_in_one_line(tmp_path):
    proc = run_cli(["epochs=3e1", *QUICK[1:]], tmp_path)
    assert proc.returncode == 0, proc.stderr
    (metrics,) = tmp_path.glob("outputs/runs/*/*/metrics.json")
    assert json.loads(metrics.read_text())["epochs_run"] == 30
    shutil.rmtree(tmp_path / "outputs")
    for args in (["-m", "epochs=10,1.5", "seed=0,1"], ["--lr=0.1"]):
        proc = run_cli(args, tmp_path)
        assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1, proc.stderr
        assert proc.stderr.startswith("lab1: error: ")
    assert not (tmp_path / "outputs").exists()  # a refused sweep leaves no directory behind


def test_the_report_refuses_abbreviated_options(capsys):
    from lab1.report.__main__ import parse

    with pytest.raises(SystemExit) as exit_:
        parse(["--epoch", "100"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("\n") == 1
    assert err == "lab1.report: error: unrecognized arguments: --epoch 100; did you mean --epochs?\n"
    for bad, message in (
        (["--seeds", "0"], "--seeds 0: must be an integer >= 1"),
        (["--jobs", "0"], "--jobs 0"),
    ):
        with pytest.raises(SystemExit):
            parse(bad)
        err = capsys.readouterr().err
        assert err.startswith("lab1.report: error: ") and message in err and err.count("\n") == 1
    args = parse(["--epochs", "100", "--author", "Ada Lovelace", "--student-id", "0123"])
    assert (args.epochs, args.author, args.student_id) == (100, "Ada Lovelace", "0123")


def test_rerun_says_whether_it_reproduced_the_run(tmp_path, capsys):
    from omegaconf import OmegaConf

    from lab1.job.run import run
    from lab1.rerun import main

    cfg = make_cfg(*QUICK, "dataset=linear", "seed=3")
    run(cfg, tmp_path / "run")
    (tmp_path / "run" / ".hydra").mkdir()
    OmegaConf.save(cfg, tmp_path / "run" / ".hydra" / "config.yaml")  # as Hydra saves it
    assert main([str(tmp_path / "run"), "--out", str(tmp_path / "again")]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last.startswith("lab1.rerun: params.npz and metrics.json equal the original's bit for bit")
    with np.load(tmp_path / "run" / "params.npz") as saved:  # the original, one bit changed
        params = {k: saved[k].copy() for k in saved.files}
    params["W1"].view(np.uint64)[0, 0] ^= 1
    np.savez(tmp_path / "run" / "params.npz", **params)
    assert main([str(tmp_path / "run"), "--out", str(tmp_path / "third")]) == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == f"lab1.rerun: params.npz differ from the original's in {tmp_path / 'run'}"
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    metrics["population"] = 5  # as a run trained beside four others records it
    (tmp_path / "run" / "metrics.json").write_text(json.dumps(metrics))
    assert main([str(tmp_path / "run"), "--out", str(tmp_path / "fourth")]) == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert "it trained in a population of 5, whose products round differently from a run alone" in last
