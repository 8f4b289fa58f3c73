"""The fence: every private Hydra and OmegaConf API that lab1 uses, and nothing else.

Each is wrapped once here and tested by name in ``tests/test_house.py``; no other module
of lab1 imports ``hydra._internal``, ``omegaconf._utils`` or a ``_`` name of either.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra.core.override_parser.types import Override
from omegaconf import BooleanNode, DictConfig, ListConfig, OmegaConf
from omegaconf._utils import get_omega_conf_dumper


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


def save_config(
    cfg: DictConfig | ListConfig, filename: str, directory: Path, only: str | None = None
) -> None:
    """Write a ``.hydra`` snapshot file with the bytes of Hydra's ``run_job`` (its ``_save_config``
    writes ``OmegaConf.to_yaml``), each entry's YAML made once (``_yaml``); with ``only``, just
    that node, as ``OmegaConf.masked_copy(cfg, [only])`` is written, without making the copy."""
    if only is not None and OmegaConf.is_interpolation(cfg, only):  # written as the copy keeps it
        cfg, only = OmegaConf.masked_copy(cfg, [only]), None  # type: ignore[arg-type]
    node = cfg if only is None else cfg[only]  # type: ignore[index]  # only with a DictConfig
    text = _yaml(OmegaConf.to_container(node, resolve=False, enum_to_str=True), only)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / filename, "w", encoding="utf-8") as file:
        file.write(text)


_ENTRIES: dict[tuple[tuple[str, ...], str, str], str] = {}  # (path, repr(key), repr(value)) -> its YAML


def _dump(data: Any) -> str:
    """``OmegaConf.to_yaml``'s dump of a plain container."""
    dumper = get_omega_conf_dumper()
    return str(yaml.dump(data, default_flow_style=False, allow_unicode=True, sort_keys=False, Dumper=dumper))


@functools.cache  # a mapping's key opens every job's copy of it: dumped once
def _header(key: Any, depth: int) -> str | None:
    """The line a block-style dump opens a mapping under ``key`` with, at ``depth``; None for a
    key that is not written as one plain line of its own (then its entry is dumped whole)."""
    if not isinstance(key, str):
        return None
    text = _dump({key: 0})
    if text.count("\n") != 1 or not text.endswith(": 0\n"):
        return None
    return "  " * depth + text[: -len(" 0\n")] + "\n"


def _entries(data: dict[Any, Any], path: tuple[str, ...]) -> str:
    """The YAML of a mapping's entries as they stand under ``path``. Block style writes a mapping's
    entries one after another, each alike wherever it stands at its depth, so each entry is dumped
    alone, at its depth, and kept: an entry a job shares with the last (a help template, the
    logging setup, a job's name) is not emitted again (``benchmarks/bench_sweep.py --parts sweep``);
    a mapping whose key opens it on one plain line is written entry by entry in turn.
    ``repr`` tells 1, 1.0 and True apart."""
    texts = []
    for key, value in data.items():
        entry = (path, repr(key), repr(value))
        text = _ENTRIES.get(entry)
        if text is None:
            if len(_ENTRIES) > 4096:
                _ENTRIES.clear()
            header = _header(key, len(path)) if isinstance(value, dict) and value else None
            if header is not None:
                text = header + _entries(value, (*path, key))
            else:
                nested: Any = {key: value}
                for name in reversed(path):
                    nested = {name: nested}
                text = _dump(nested).split("\n", len(path))[-1]  # each enclosing key's line off
            _ENTRIES[entry] = text
        texts.append(text)
    return "".join(texts)


def _yaml(data: Any, under: str | None = None) -> str:
    """``OmegaConf.to_yaml`` of ``data``, or of ``{under: data}`` (``under`` a plain key such as
    ``hydra``), written entry by entry (``_entries``)."""
    if not isinstance(data, dict) or not data:
        return _dump(data if under is None else {under: data})
    if under is None:
        return _entries(data, ())
    return f"{under}:\n" + _entries(data, (under,))


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
