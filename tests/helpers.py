"""Helpers shared by the tests: compose the real configs, run the real CLI, check gradients."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
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
HALF = [*(a for a in MIXED if not a.startswith("seed=")), "seed=1"]  # its 4 jobs of seed 1
LOCAL = ["launcher=vectorized_submitit_local", "hydra.launcher.cpus_per_task=2"]  # submitit's jobs


def submitted_jobs(root: Path) -> list[Path]:
    """The jobs submitit ran: one folder per job, each with its submitted call."""
    return sorted(p.parent for p in (root / ".submitit").glob("*/*_submitted.pkl"))


def make_cfg(*overrides: str) -> DictConfig:
    """The real composed config with overrides, as Hydra would build it."""
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        return compose("config", overrides=list(overrides))


def with_keys(cfg: DictConfig, **keys: object) -> DictConfig:
    """A copy of the composed ``cfg`` with top-level plain keys (seed, lr, epochs) set: equal to
    composing with ``key=value`` added, without another tenth of a second of Hydra's compose."""
    copy = cfg.copy()
    for key, value in keys.items():
        copy[key] = value
    return copy


WARM = """
import json, os, runpy, sys, traceback
import hydra, numpy, omegaconf, pandas  # what every command imports: loaded once, here
import lab1.config, lab1.job.run, lab1.sweep.callbacks, lab1.sweep.execute  # noqa: F401
import lab1.job.plots, lab1.job.animation, lab1.sweep.collect, lab1.sweep.figures  # noqa: F401
for extra in ("mlflow.tracking", "tensorboardX", "submitit"):  # the extras some commands use
    try:
        __import__(extra)
    except ImportError:
        pass
for line in sys.stdin:
    ask = json.loads(line)
    pid = os.fork()
    if pid == 0:  # the command: a new process, as from a shell
        os.chdir(ask["cwd"])
        os.environ.clear()
        os.environ.update(ask["env"])
        for fd, path, flags in ((0, os.devnull, os.O_RDONLY), (1, ask["out"], os.O_WRONLY), (2, ask["err"], os.O_WRONLY)):
            os.dup2(os.open(path, flags), fd)
        sys.argv = ["python", *ask["args"]]
        code = 0
        try:
            runpy.run_module(ask["module"], run_name="__main__", alter_sys=True)
        except SystemExit as end:
            code = end.code if isinstance(end.code, int) else (0 if end.code is None else print(end.code, file=sys.stderr) or 1)
        except BaseException:
            traceback.print_exc()
            code = 1
        sys.stdout.flush(), sys.stderr.flush()
        os._exit(code)
    print(json.dumps({"pid": pid}), flush=True)
    print(json.dumps({"code": os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}), flush=True)
"""
_WARM: list[subprocess.Popen] = []  # this test process's warm interpreter


def _warm() -> subprocess.Popen:
    """A Python with lab1's imports done, which forks a new process for each command."""
    if not _WARM or _WARM[0].poll() is not None:
        env = {**os.environ, "PYTHONWARNINGS": "error::RuntimeWarning"}
        cmd = [sys.executable, "-c", WARM]
        _WARM[:] = [subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)]
    return _WARM[0]


def run_cli(
    args: list[str], cwd: Path, timeout: float = 240, module: str = "lab1", fresh: bool = False
) -> subprocess.CompletedProcess:
    """``python -m MODULE ARGS`` in ``cwd`` as a new process; returns the finished process.

    The process is forked from a Python that has done lab1's imports (``WARM``), which
    saves a second of each command's time; ``fresh`` starts a new interpreter instead."""
    if fresh:
        env = {**os.environ, "PYTHONWARNINGS": "error::RuntimeWarning"}
        cmd = [sys.executable, "-m", module, *args]
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    warm = _warm()
    assert warm.stdin is not None and warm.stdout is not None
    with tempfile.TemporaryDirectory() as tmp:
        out, err = Path(tmp) / "out", Path(tmp) / "err"
        out.touch(), err.touch()
        env = {**os.environ, "PYTHONWARNINGS": "error::RuntimeWarning"}
        ask = {"cwd": str(cwd), "out": str(out), "err": str(err), "args": args, "module": module, "env": env}
        warm.stdin.write(json.dumps(ask) + "\n")
        warm.stdin.flush()
        pid = json.loads(warm.stdout.readline())["pid"]
        if not select.select([warm.stdout], [], [], timeout)[0]:
            os.kill(pid, signal.SIGKILL)
            warm.stdout.readline()
            raise subprocess.TimeoutExpired([module, *args], timeout)
        code = json.loads(warm.stdout.readline())["code"]
        return subprocess.CompletedProcess([module, *args], code, out.read_text(), err.read_text())


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
