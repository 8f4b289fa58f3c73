"""Train a saved run again from its directory, bit for bit: its ``.hydra/config.yaml`` is the
whole config of the run, so only keys lab1 gained since are taken from today's defaults."""

from __future__ import annotations

import shutil
from pathlib import Path

from hydra import compose, initialize_config_module
from omegaconf import DictConfig, OmegaConf

from lab1.config import CONFIG_PACKAGE, VERSION_BASE, ConfigError
from lab1.job.artifacts import SNAPSHOT
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


def with_new_keys(cfg: DictConfig) -> DictConfig:
    """The saved config, with every key lab1 has gained since it was saved (``stop_accuracy``,
    ``plots.animation``, ``logger``, ...) at lab1's default: new keys default to off, so the
    run's results stay as they were."""
    choices = [f"{group}={cfg[group].name}" for group in ("dataset", "optim", "model") if group in cfg]
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        defaults = compose("config", choices)
    merged = OmegaConf.merge(defaults, cfg)
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
