"""Helpers shared by the tests: compose the real configs, run the real CLI, check gradients."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_module
from omegaconf import DictConfig

import lab1.config  # noqa: F401  (registers the schemas)
from lab1.config import CONFIG_PACKAGE, VERSION_BASE

QUICK_WITH_FIGURES = ["epochs=300", "print_every=0"]  # a run of a fraction of a second
QUICK = [*QUICK_WITH_FIGURES, "plots.per_job=false"]  # and no per-job figures to draw


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


def single_run_dir(root: Path) -> Path:
    """The one run directory under ``root/outputs/runs``."""
    dirs = [p.parent for p in (root / "outputs" / "runs").glob("*/*/.hydra")]
    assert len(dirs) == 1, dirs
    return dirs[0]


def ctrl_c_after_first_job(args: list[str], cwd: Path, sweep: Path) -> tuple[subprocess.Popen, str, str]:
    """Run ``python -m lab1 ARGS`` in its own process group and send the group Ctrl-C (SIGINT,
    as from a terminal) once a job under ``sweep`` has finished; (the ended process, stdout, stderr)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab1", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert wait_for(lambda: len(list(sweep.rglob("metrics.json"))) >= 1)
    os.killpg(proc.pid, signal.SIGINT)
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
