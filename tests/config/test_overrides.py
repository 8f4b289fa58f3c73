"""The override pre-check: unknown keys and malformed overrides get one line, exit 2."""

from __future__ import annotations

import pytest

from lab1.config import ConfigError, config_groups, precheck_overrides
from lab1.config.keys_known import known_keys, optim_keys
from lab1.config.overrides import diagnose
from tests.helpers import lab1_here


def refusal(args: list[str]) -> str:
    with pytest.raises(ConfigError) as err:
        precheck_overrides(args)
    return str(err.value)


# ---------------------------------------------------------------- the pure functions


def test_known_keys_come_from_the_dataclasses():
    keys = known_keys(config_groups())
    for key in ["lr", "hidden", "plots", "dataset", "optim", "sweep", "search", "launcher"]:
        assert key in keys
    for key in ["dataset.n", "model.kernel", "plots.per_job", "optim.beta1", "optim.momentum"]:
        assert key in keys
    assert "lrr" not in keys and "optimizer" not in keys


@pytest.mark.parametrize(
    "args, suggestion",
    [
        (["lrr=0.1"], "lr"),
        (["+lrr=0.1"], "lr"),
        (["++lrr=0.1"], "lr"),
        (["~lrr"], "lr"),
        (["-m", "lrr=0.1,1"], "lr"),
        (["optimizer=adam"], "optim"),
        (["+optimizer=adam"], "optim"),
        (["dataset.nn=5"], "dataset.n"),
        (["optim=adam", "optim.betaa=0.5"], "optim.beta1"),
    ],
)
def test_an_unknown_key_names_the_nearest_known_ones(args, suggestion):
    message = refusal(args)
    key = args[-1].lstrip("+~").split("=")[0]  # the unknown key is the last argument
    assert message.startswith(f"{key} is not a lab1 key; did you mean ")
    assert suggestion in message.split("did you mean ")[1]


def test_no_close_key_lists_the_keys_and_groups():
    message = refusal(["zzqqxx=1"])
    assert "zzqqxx is not a lab1 key" in message and "lr" in message and "groups" in message
    assert "\n" not in message


def test_an_optimizer_key_must_belong_to_the_chosen_optimizer():
    assert "optim.beta1" in (optim_keys("adam") or [])
    assert "optim.beta1" not in (optim_keys("sgd") or [])
    assert optim_keys("lbfgs") is None
    assert refusal(["optim.beta1=0.5"]).startswith("optim.beta1 is not a key of optim=sgd")
    assert refusal(["optim=adam", "optim.momentum=0.5"]).startswith(
        "optim.momentum is not a key of optim=adam"
    )
    precheck_overrides(["optim=adam", "optim.beta1=0.5"])
    precheck_overrides(["+sweep=optimizers", "optim.beta1=0.5"])  # the sweep chooses the optimizer


@pytest.mark.parametrize(
    "args",
    [
        ["+sweep=lr", "seed=0"],
        ["-m", "search=optuna"],
        ["launcher=basic", "hydra/launcher=basic", "hydra.run.dir=r", "+hydra.job.env_set.X=1"],
        ["~lr", "~plots.per_job", "reuse=", "--cfg", "job"],
        ["dataset=bars", "dataset.size=6", "model=cnn", "model.kernel=2", "plots.per_job=false"],
    ],
)
def test_known_keys_and_hydras_own_pass(args):
    precheck_overrides(args)


@pytest.mark.parametrize(
    "override, words",
    [
        ("lr=1e-2,", "trailing comma"),
        ("hidden=[10,10", "unclosed bracket '['"),
        ("lr==0.1", "'=='"),
        ("lr=0.5(", "unclosed bracket '('"),
        ("lr=1)", "closing ')'"),
        ("lr='a", "unclosed quote"),
        ("lr=1,,2", "empty value between two commas"),
        ("lr", "no '='"),
        ("x.=1", "is not a valid override (write key=value"),
    ],
)
def test_a_malformed_override_is_quoted_and_its_problem_named(override, words):
    assert repr(override) in diagnose(override) and words in diagnose(override)
    message = refusal(["seed=0", override, "epochs=5"])
    assert message == diagnose(override) and "\n" not in message


def test_the_malformed_override_is_found_among_good_ones():
    assert refusal(["-m", "lr=0.1,1", "hidden=[4,4", "seed=0,1"]).startswith("override 'hidden=[4,4'")


@pytest.mark.parametrize("override", ["logger=none,mlflow", "print_every=10,100", "plots.per_job=true,false"])
def test_a_sweep_over_a_presentation_key_is_refused(override):
    """Such a sweep's jobs share one directory name and config hash: the same runs twice."""
    message = refusal(["-m", override, "lr=0.1,1"])
    assert message.startswith(f"{override}: ") and "give it one value" in message
    assert ("logger=[tensorboard,mlflow]" in message) == override.startswith("logger")
    precheck_overrides(["-m", "logger=[tensorboard,mlflow]", "print_every=10", "lr=0.1,1"])  # one value each


# ---------------------------------------------------------------- the real command line


def assert_refused(answer: tuple[int, str, str], tmp_path, *words: str) -> None:
    code, _, err = answer
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lab1: error: "), err
    assert all(w in lines[0] for w in words), lines[0]
    assert "Traceback" not in err
    assert not (tmp_path / "outputs").exists()
    assert not (tmp_path / "multirun").exists()


@pytest.mark.parametrize(
    "args",
    [["lrr=0.1"], ["+lrr=0.1"], ["-m", "lrr=0.1,1"], ["-m", "+lrr=0.1,1"]],
    ids=["single", "single+", "multirun", "multirun+"],
)
def test_cli_refuses_an_unknown_key(tmp_path, monkeypatch, capfd, args):
    answer = lab1_here([*args, "epochs=5"], tmp_path, monkeypatch, capfd)
    assert_refused(answer, tmp_path, "lrr is not a lab1 key", "did you mean", "lr")


@pytest.mark.parametrize(
    "arg, suggestion", [("optimizer=adam", "did you mean optim"), ("dataset.nn=5", "did you mean dataset.n")]
)
def test_cli_suggests_the_nearest_key(tmp_path, monkeypatch, capfd, arg, suggestion):
    assert_refused(lab1_here([arg, "epochs=5"], tmp_path, monkeypatch, capfd), tmp_path, suggestion)


@pytest.mark.parametrize(
    "override, words",
    [
        ("lr=1e-2,", "trailing comma"),
        ("hidden=[10,10", "unclosed bracket"),
        ("lr==0.1", "=="),
    ],
)
def test_cli_names_a_malformed_override(tmp_path, monkeypatch, capfd, override, words):
    answer = lab1_here([override, "epochs=5"], tmp_path, monkeypatch, capfd)
    assert_refused(answer, tmp_path, repr(override), words)


def test_a_group_outside_the_defaults_gets_its_plus_only_in_lab1s_own_config():
    """sweep=lr is +sweep=lr for lab1's config; another config may list sweep in its defaults."""
    assert precheck_overrides(["sweep=lr", "+search=optuna"]) == ["+sweep=lr", "+search=optuna"]
    other = ["--config-dir", "mine", "--config-name", "mine", "sweep=lr"]
    assert precheck_overrides(other) == other


@pytest.mark.parametrize("sweep", ["+sweep=lr", "sweep=lr"])  # Hydra itself refuses the second
def test_cli_sweep_group_and_hydra_keys_still_run(tmp_path, monkeypatch, capfd, sweep):
    args = [sweep, "seed=0", "lr=0.1", "epochs=5", "dataset=xor", "print_every=0", "hydra.sweep.dir=sw"]
    code, _, err = lab1_here([*args, "plots.per_job=false"], tmp_path, monkeypatch, capfd)
    assert code == 0, err
    assert list((tmp_path / "sw").rglob("metrics.json"))


def test_cli_single_run_with_hydra_run_dir(tmp_path, monkeypatch, capfd):
    args = ["hydra.run.dir=r", "epochs=5", "print_every=0", "plots.per_job=false"]
    code, _, err = lab1_here(args, tmp_path, monkeypatch, capfd)
    assert code == 0, err
    assert (tmp_path / "r" / "metrics.json").is_file()


@pytest.mark.parametrize(
    "arg, words",
    [
        ("hydra.mode=WALK", "hydra.mode='WALK' is not allowed: one of RUN, MULTIRUN"),
        (
            "hydra.job.chdir=maybe",
            "hydra.job.chdir='maybe' is not allowed: true or false",
        ),
    ],
)
def test_cli_refuses_a_hydra_value_hydras_schema_refuses_in_one_line(
    tmp_path, monkeypatch, capfd, arg, words
):
    """Hydra's own message was five lines and exit 1; lab1's is one line and exit 2, and it
    lets through what the schema leaves open (a launcher's keys) and what it allows."""
    assert_refused(lab1_here([arg, "epochs=5"], tmp_path, monkeypatch, capfd), tmp_path, words)
    precheck_overrides(
        ["hydra.mode=MULTIRUN", "hydra.job.chdir=true", "hydra.launcher.n_jobs=2", "hydra.verbose=x"]
    )
