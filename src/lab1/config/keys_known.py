"""The keys a command line may set, read from the schema's dataclasses, and those of each optimizer."""

from __future__ import annotations

import difflib
import typing
from dataclasses import fields
from functools import cache
from importlib import resources
from typing import Any

from omegaconf import DictConfig, OmegaConf

from lab1.config.schema import (
    CONFIG_PACKAGE,
    OPTIM_SCHEMAS,
    Config,
    DatasetConfig,
    LoggerConfig,
    ModelConfig,
    OptimConfig,
    PlotsConfig,
)
from lab1.nn.optimizers import OPTIMIZERS, hyperparameter_names


def section_keys() -> dict[str, list[str]]:
    """The dotted keys under each top-level section: ``dataset.n``, ``optim.beta1``, ..."""
    sections: dict[str, list[Any]] = {
        "dataset": [DatasetConfig],
        "model": [ModelConfig],
        "plots": [PlotsConfig],
        "logger": [LoggerConfig],
        "optim": [OptimConfig, *OPTIM_SCHEMAS.values()],
    }
    return {
        name: list(dict.fromkeys(f"{name}.{f.name}" for cls in classes for f in fields(cls)))
        for name, classes in sections.items()
    }


def top_keys() -> list[str]:
    """The top-level fields of ``Config``."""
    return [f.name for f in fields(Config)]


def known_keys(groups: list[str]) -> list[str]:
    """Every key an override may name: top-level keys, config groups and sectioned keys."""
    dotted = [k for keys in section_keys().values() for k in keys]
    return list(dict.fromkeys([*top_keys(), *groups, *dotted]))


@cache
def integer_keys() -> frozenset[str]:
    """The keys whose schema type is an integer or an integer or null: ``epochs``, ``model.pool``, ..."""
    sections: dict[str, list[Any]] = {"": [Config], "dataset.": [DatasetConfig], "model.": [ModelConfig]}
    out = set()
    for prefix, classes in sections.items():
        for cls in classes:
            for name, kind in typing.get_type_hints(cls).items():
                if kind is int or int in typing.get_args(kind):
                    out.add(prefix + name)
    return frozenset(out)


def is_hydra_key(key: str) -> bool:
    """Hydra's own keys (``hydra.run.dir``) and group overrides with a path (``hydra/launcher``)."""
    return key == "hydra" or key.startswith("hydra.") or "/" in key


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def unknown_key_message(key: str, groups: list[str]) -> str:
    """``lrr is not a lab1 key; did you mean lr?``, or the keys there are when none is close."""
    close = difflib.get_close_matches(key, known_keys(groups), n=3)
    if close:
        return f"{key} is not a lab1 key; did you mean {_either(close)}?"
    section = section_keys().get(key.split(".", 1)[0]) if "." in key else None
    if section:
        return f"{key} is not a lab1 key; the keys under {key.split('.', 1)[0]} are {', '.join(section)}"
    top = [k for k in top_keys() if k not in groups]
    return f"{key} is not a lab1 key; the keys are {', '.join(top)}; the groups are {', '.join(groups)}"


def optim_keys(choice: str) -> list[str] | None:
    """The keys of ``optim=CHOICE`` (its hyperparameters); None for an unknown optimizer."""
    if choice not in OPTIMIZERS:
        return None
    scalars, flags = hyperparameter_names(choice)
    return ["optim.name", *(f"optim.{k}" for k in (*scalars, *flags))]


@cache
def default_choices() -> dict[str, str]:
    """Each group's choice in ``conf/config.yaml``'s defaults list (``optim: sgd``), read once."""
    node = OmegaConf.create(resources.files(CONFIG_PACKAGE).joinpath("config.yaml").read_text())
    entries = node.get("defaults", []) if isinstance(node, DictConfig) else []
    return {str(k): str(v) for entry in entries if isinstance(entry, DictConfig) for k, v in entry.items()}
