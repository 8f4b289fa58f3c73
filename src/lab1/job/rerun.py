"""Train a saved run again from its directory, bit for bit: its ``.hydra/config.yaml`` is the
whole config of the run, so only keys lab1 gained since are taken from today's defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

from lab1.config import CONFIG_PACKAGE, VERSION_BASE, ConfigError
from lab1.job.artifacts import HOW_IT_RAN, METRICS, SNAPSHOT, read_metrics
from lab1.job.run import run


def saved_config(run_dir: Path) -> DictConfig:
    """The config a run was trained with; ConfigError if ``run_dir`` holds no lab1 run."""
    path = run_dir / SNAPSHOT / "config.yaml"
    if not path.is_file():
        raise ConfigError.plain(
            f"{run_dir} is not a run directory of lab1 (it has no {SNAPSHOT}/config.yaml)"
        )
    cfg = OmegaConf.load(path)
    if not isinstance(cfg, DictConfig) or "optim" not in cfg or "dataset" not in cfg:
        raise ConfigError.plain(f"{path} is not a lab1 config")
    return cfg


def defaults_for(cfg: DictConfig) -> DictConfig:
    """lab1's defaults with the saved config's dataset, optimizer and model chosen."""
    choices = [f"{group}={cfg[group].name}" for group in ("dataset", "optim", "model") if group in cfg]
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        return compose("config", choices)


def with_new_keys(cfg: DictConfig, defaults: DictConfig | None = None) -> DictConfig:
    """The saved config, with every key lab1 has gained since it was saved (``stop_accuracy``,
    ``plots.animation``, ``logger``, ...) at lab1's default (``defaults``: ``defaults_for(cfg)``):
    new keys default to off, so the run's results stay as they were."""
    merged = OmegaConf.merge(defaults_for(cfg) if defaults is None else defaults, cfg)
    assert isinstance(merged, DictConfig)
    return merged


def rerun(run_dir: Path, out_dir: Path) -> float:
    """Train the run saved in ``run_dir`` again into ``out_dir`` (with a copy of its snapshot)."""
    cfg = saved_config(run_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ConfigError.plain(f"{out_dir} is not empty; choose a new --out")
    shutil.copytree(run_dir / SNAPSHOT, out_dir / SNAPSHOT)
    cfg = with_new_keys(cfg)
    cfg.reuse = []  # train it, never copy it (reuse is presentation-only: the config hash stays)
    return run(cfg, out_dir, log=out_dir / "lab1.log")


def _arrays(path: Path) -> dict[str, tuple[str, tuple[int, ...], bytes]] | None:
    """Each array of an ``.npz`` file as (dtype, shape, bytes); None if it cannot be read."""
    try:
        with np.load(path) as npz:
            return {k: (str(npz[k].dtype), npz[k].shape, npz[k].tobytes()) for k in npz.files}
    except (OSError, ValueError):
        return None


def _results(record: dict | None) -> dict | None:
    return None if record is None else {k: v for k, v in record.items() if k not in HOW_IT_RAN}


def differences(original: Path, again: Path) -> list[str]:
    """Which of ``params.npz`` and ``metrics.json`` differ from the original's: every array
    compared bit for bit, and every metric but those of ``HOW_IT_RAN`` (JSON keeps a
    float's every bit)."""
    out = []
    params = _arrays(original / "params.npz")
    if params is None or params != _arrays(again / "params.npz"):
        out.append("params.npz")
    results = _results(read_metrics(original))
    if results is None or results != _results(read_metrics(again)):
        out.append(METRICS)
    return out


def _largest_change(original: Path, again: Path) -> float | None:
    """The largest relative difference of any parameter between two runs; None if unreadable."""
    try:
        with np.load(original / "params.npz") as a, np.load(again / "params.npz") as b:
            gaps = [np.abs(a[k] - b[k]) / np.maximum(np.abs(a[k]), 1e-300) for k in a.files]
    except (OSError, ValueError, KeyError):
        return None
    return max((float(g.max()) for g in gaps if g.size), default=0.0)


def verdict(differ: list[str], original: Path, again: Path) -> str:
    """One line: whether the rerun's params.npz and metrics.json equal the original's, and
    why a run trained in a population of several differs in its last bits."""
    if not differ:
        how = ", ".join(HOW_IT_RAN[:-1]) + " and " + HOW_IT_RAN[-1]
        return f"params.npz and {METRICS} equal the original's bit for bit (but for {how}: how it ran)"
    line = f"{' and '.join(differ)} differ from the original's in {original}"
    population = (read_metrics(original) or {}).get("population")
    change = _largest_change(original, again)
    if isinstance(population, int) and population > 1 and change is not None and change < 1e-9:
        line += (
            f": it trained in a population of {population}, whose products round differently from a"
            f" run alone (largest relative difference of a parameter {change:.1e})"
        )
    return line
