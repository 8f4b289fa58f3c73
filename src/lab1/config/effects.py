"""Refuse keys the chosen dataset or model would ignore (``dataset.n=50`` with ``dataset=xor``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from omegaconf import ListConfig, OmegaConf

from lab1.config.errors import ConfigError
from lab1.config.models import MODELS
from lab1.data import KEYS

_WIDTH_KEYS = frozenset().union(*(m.keys for m in MODELS.values()))  # every model's width keys


def override_pairs(lines: Iterable[str]) -> list[tuple[str, str]]:
    """(key, value) of each ``key=value`` override line (unresolved), ``+`` stripped, deletions left out."""
    if isinstance(lines, ListConfig):
        lines = OmegaConf.to_container(lines)  # type: ignore[assignment]
    pairs = [str(line).partition("=") for line in lines]
    return [(key.lstrip("+"), value) for key, sep, value in pairs if sep and not key.startswith("~")]


def reads(cfg: Any, key: str) -> bool:
    """Whether the chosen dataset and model read ``key`` (``model.filters``: the CNN only)."""
    group, _, field = key.partition(".")
    if group == "dataset" and field and field != "name":
        return field in KEYS.get(cfg.dataset.name, {field})
    return key not in _WIDTH_KEYS or key in MODELS[cfg.model.name].keys


def check_effect(cfg: Any, overrides: Iterable[str]) -> None:
    """Raise ConfigError for an override the chosen dataset or model does not read."""
    dataset, model = cfg.dataset.name, cfg.model.name
    for key in (k for k, _ in override_pairs(overrides) if not reads(cfg, k)):
        if key.startswith("dataset."):
            reads_keys = ", ".join(f"dataset.{k}" for k in sorted(KEYS[dataset])) or "none of dataset.*"
            raise ConfigError.plain(
                f"{key} has no effect with dataset={dataset}: it reads {reads_keys}; remove {key} or choose another dataset"
            )
        raise ConfigError.plain(f"{key} has no effect with model={model}: {MODELS[model].hint}")
