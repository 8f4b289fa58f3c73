"""Config choices that need an optional extra: refused in one line naming the ``pip install``."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable

from lab1.config.errors import ConfigError

# (group, choice) -> (the Hydra plugin module it needs, the extra of lab1 that installs it)
EXTRAS: dict[tuple[str, str], tuple[str, str]] = {
    ("launcher", "joblib"): ("hydra_plugins.hydra_joblib_launcher", "joblib"),
    ("launcher", "submitit_local"): ("hydra_plugins.hydra_submitit_launcher", "submitit"),
    ("launcher", "slurm"): ("hydra_plugins.hydra_submitit_launcher", "submitit"),
    ("launcher", "vectorized_submitit_local"): ("submitit", "submitit"),
    ("launcher", "vectorized_slurm"): ("submitit", "submitit"),
    ("search", "optuna"): ("hydra_plugins.hydra_optuna_sweeper", "optuna"),
    ("logger", "tensorboard"): ("tensorboardX", "tensorboard"),
    ("logger", "mlflow"): ("mlflow", "mlflow"),
}


def installed(module: str) -> bool:
    """Whether ``module`` can be imported here (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def check_extras(
    choices: Iterable[tuple[str, str]], extras: dict[tuple[str, str], tuple[str, str]] = EXTRAS
) -> None:
    """Raise ConfigError for a (group, choice) whose extra is not installed, each of a list or sweep."""
    for group, value in choices:
        for choice in (c.strip() for c in value.strip("[]").split(",")):
            if (group, choice) in extras and not installed(extras[group, choice][0]):
                extra = extras[group, choice][1]
                raise ConfigError.plain(
                    f"{group}={choice} needs lab1's {extra} extra: pip install -e '.[{extra}]' in a checkout "
                    f"(or pip install 'lab1[{extra}]')"
                )
