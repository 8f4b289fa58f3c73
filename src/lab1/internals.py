"""The fence: every private Hydra and OmegaConf API that lab1 uses, and nothing else.

Each is wrapped once here and tested by name in ``tests/test_house.py``; no other module
of lab1 imports ``hydra._internal``, ``omegaconf._utils`` or a ``_`` name of either.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra.core.override_parser.types import Override
from hydra.core.utils import _save_config
from omegaconf import BooleanNode, DictConfig, ListConfig


def basic_sweeper() -> tuple[type, type]:
    """Hydra's ``BasicSweeper`` and its config dataclass, as the plugin scan left them.

    Hydra's scan executes its core plugin modules again, defining their classes anew, so
    they are read from the module when asked for, never kept from an earlier import.
    """
    module = importlib.import_module("hydra._internal.core_plugins.basic_sweeper")
    return module.BasicSweeper, module.BasicSweeperConf


def apply_overrides(overrides: Sequence[Override], cfg: DictConfig) -> None:
    """Apply parsed value overrides to a composed config exactly as Hydra does after composing."""
    ConfigLoaderImpl._apply_overrides_to_config(list(overrides), cfg)


def override_dirname(overrides: Sequence[Override], kv_sep: str, item_sep: str, exclude_keys: Any) -> str:
    """``hydra.job.override_dirname`` of these overrides, as Hydra names a job directory."""
    return str(
        get_overrides_dirname(
            overrides=list(overrides), kv_sep=kv_sep, item_sep=item_sep, exclude_keys=list(exclude_keys)
        )
    )


def save_config(cfg: DictConfig | ListConfig, filename: str, directory: Path) -> None:
    """Write a ``.hydra`` snapshot file as Hydra's ``run_job`` does (``hydra.core.utils._save_config``)."""
    _save_config(cfg, filename, directory)  # type: ignore[arg-type]  # Hydra writes lists too


def yaml_implicit_resolvers() -> dict[Any, Any]:
    """OmegaConf's YAML scalar rules (its float pattern, no timestamps), for a faster loader."""
    from omegaconf._utils import get_yaml_loader

    return dict(get_yaml_loader().yaml_implicit_resolvers)


def to_bool(text: str) -> bool:
    """What OmegaConf makes of ``text`` for a boolean key ('yes', 'off', '1'); raises
    ``omegaconf.ValidationError`` for a word it refuses."""
    return bool(BooleanNode(text)._value())


def answer_mode_probe(known: bool, mode: str | None) -> None:
    """Have ``Hydra.get_mode`` answer ``mode`` (``known``) without composing a whole config to
    learn it (about 0.2 s a command), or probe as Hydra does (not ``known``)."""
    from hydra._internal.hydra import Hydra
    from hydra.types import RunMode

    probe = getattr(Hydra.get_mode, "probe", Hydra.get_mode)
    answer = None if mode is None else RunMode[mode]

    def get_mode(self: Hydra, config_name: str | None, overrides: list[str]) -> RunMode | None:
        return answer if known else probe(self, config_name, overrides)

    get_mode.probe = probe  # type: ignore[attr-defined]
    Hydra.get_mode = get_mode  # type: ignore[method-assign]
