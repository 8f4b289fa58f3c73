"""Helpers shared by the tests: compose the real configs, run the real CLI, check gradients."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_module
from omegaconf import DictConfig

import lab1.config  # noqa: F401  (registers the schemas)
from lab1.config import CONFIG_PACKAGE, VERSION_BASE

QUICK_WITH_FIGURES = ["epochs=300", "print_every=0"]  # a run of a fraction of a second
QUICK = [*QUICK_WITH_FIGURES, "plots.per_job=false", "plots.sweep=false"]  # and no figures to draw
FAST = ["print_every=0", "plots.per_job=false", "plots.sweep=false"]  # no figures: tests that read one ask
# 8 jobs in 2 groups of 4 (lr and seed share a population, the optimizer does not)
MIXED = ["dataset=xor", "epochs=150", "optim=sgd,adam", "lr=0.05,0.5", "seed=0,1"]


def make_cfg(*overrides: str) -> DictConfig:
    """The real composed config with overrides, as Hydra would build it."""
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        return compose("config", overrides=list(overrides))


def run_cli(
    args: list[str], cwd: Path, timeout: float = 240, module: str = "lab1"
) -> subprocess.CompletedProcess:
    """``python -m MODULE ARGS`` in ``cwd``; returns the finished process."""
    env = {**os.environ, "PYTHONWARNINGS": "error::RuntimeWarning"}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def lab1_here(args: list[str], cwd: Path, monkeypatch, capfd) -> tuple[int, str, str]:
    """``python -m lab1 ARGS`` run in this process, from ``cwd``: (exit code, stdout, stderr).
    For answers that need no process of their own (a refusal, a short run): a new Python
    costs a second of imports."""
    from lab1.__main__ import cli

    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["lab1", *args])
    capfd.readouterr()
    try:
        cli()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    out, err = capfd.readouterr()
    return code, out, err


def single_run_dir(root: Path) -> Path:
    """The one run directory under ``root/outputs/runs``."""
    dirs = [p.parent for p in (root / "outputs" / "runs").glob("*/*/.hydra")]
    assert len(dirs) == 1, dirs
    return dirs[0]


def stop_after_first_job(
    args: list[str], cwd: Path, sweep: Path, sig: int = signal.SIGINT
) -> tuple[subprocess.Popen, str, str]:
    """Run ``python -m lab1 ARGS`` in its own process group and, once a job under ``sweep`` has
    finished, send the group Ctrl-C (SIGINT, as from a terminal), or the launching process
    alone ``sig`` (``kill PID``); (the ended process, stdout, stderr)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab1", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert wait_for(lambda: len(list(sweep.rglob("metrics.json"))) >= 1)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)
    else:
        os.kill(proc.pid, sig)
    out, err = proc.communicate(timeout=120)
    return proc, out, err


def wait_for(condition: Callable[[], bool], seconds: float = 120) -> bool:
    """Poll until ``condition()`` holds (files appearing, processes gone), not a fixed wait."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def process_gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (killed and not yet reaped by init counts as ended)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" in status.read_text()


H = 1e-6
TOL = 1e-6


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a) + np.abs(b)), 1e-12))


def numeric_grad(f, x: np.ndarray) -> np.ndarray:
    """Central differences of the scalar f() with respect to every entry of x (in place)."""
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + H
        up = f()
        flat[i] = old - H
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * H)
    return g


def assert_same_results(a, b, part: bool = False):
    """Every job of sweep a matches sweep b as the vectorized launcher promises (and a has
    every job of b, unless a is only ``part`` of b)."""
    ta = pd.read_csv(a / "results.csv").set_index("job")
    tb = pd.read_csv(b / "results.csv").set_index("job")
    assert set(ta.index) <= set(tb.index) if part else sorted(ta.index) == sorted(tb.index)
    for job in ta.index:
        ma = json.loads((a / job / "metrics.json").read_text())
        mb = json.loads((b / job / "metrics.json").read_text())
        for key in ("accuracy", "diverged", "epochs_to_100", "epochs_run", "diverged_epoch"):
            assert ma[key] == mb[key], (job, key)
        if mb["loss"] is None:
            assert ma["loss"] is None
        else:
            assert ma["loss"] == pytest.approx(mb["loss"], rel=1e-9)
        pa = pd.read_csv(a / job / "predictions.csv")
        pb = pd.read_csv(b / job / "predictions.csv")
        assert (pa.predicted == pb.predicted).all(), job
        wa = np.load(a / job / "params.npz", allow_pickle=False)
        wb = np.load(b / job / "params.npz", allow_pickle=False)
        for k in wb.files:
            np.testing.assert_allclose(wa[k], wb[k], rtol=1e-9, atol=1e-12)
