"""How long a report sweep will take: its jobs composed as the launcher would, by ``lab1.sweep.cost``."""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

from hydra import compose, initialize_config_module
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from lab1.config import CONFIG_PACKAGE, VERSION_BASE
from lab1.sweep.compose import JobComposer, task_config
from lab1.sweep.cost import chunk_cost
from lab1.sweep.plan import plan
from lab1.sweep.settings import Sizes


def _values(key: str, text: Any) -> list[str]:
    """Every value a sweeper parameter takes, as override text (``1e-4,1e-2`` -> two)."""
    (override,) = OverridesParser.create().parse_overrides([f"{key}={text}"])
    if not override.is_sweep_override():
        return [f"{key}={text}"]
    return [f"{key}={value}" for value in override.sweep_iterator()]


@cache
def sweep_cost(name: str, epochs: int, seeds: int) -> float:
    """Estimated nanoseconds of CPU to train every job of one report sweep (one seed's, times seeds)."""
    common = [f"+sweep={name}", f"epochs={epochs}"]
    with initialize_config_module(CONFIG_PACKAGE, version_base=VERSION_BASE):
        cfg = compose(config_name="config", overrides=common, return_hydra_config=True)
        params: dict[str, Any] = dict(OmegaConf.to_container(cfg.hydra.sweeper.params) or {})  # type: ignore[arg-type]
        axes = [_values(key, text) for key, text in {**params, "seed": "0"}.items()]  # seeds cost alike
        composer = JobComposer(lambda overrides: compose("config", overrides, return_hydra_config=True))
        jobs = [(None, task_config(composer.compose([*common, *c]))) for c in itertools.product(*axes)]
    return seeds * sum(chunk_cost(chunk) for chunk in plan(jobs, Sizes()))
