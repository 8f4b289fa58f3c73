"""The command line's overrides, checked before Hydra composes: group choices and words.

Hydra's own messages for these list its search path or a type error; lab1's are single
lines, and a refused multirun leaves no sweep directory.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from omegaconf import ValidationError

from lab1.config.checks import CHECKS
from lab1.config.errors import ConfigError
from lab1.config.schema import CONFIG_PACKAGE, sweep_files
from lab1.internals import to_bool


def config_groups() -> list[str]:
    """The config groups of ``conf/``: its subdirectories (dataset, optim, model, ...)."""
    root = resources.files(CONFIG_PACKAGE)
    dirs = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")}
    return sorted(dirs | {"sweep"})


def group_choices(group: str) -> list[str]:
    """Names of the YAML files of one config group under ``conf/``."""
    if group == "sweep":
        return sorted(sweep_files())
    root = resources.files(CONFIG_PACKAGE).joinpath(group)
    if not root.is_dir():
        return []
    return sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))


def _values(override: Any) -> list[Any]:
    """The parsed values of an override: its one value, or every value of a sweep over a
    list or range (none for a sweep that has no list, such as Optuna's ``interval``)."""
    if not override.is_sweep_override():
        return [override.value()]
    try:
        return list(override.sweep_iterator())
    except Exception:  # noqa: BLE001 - not a list or range: the sweeper reads it
        return []


def _wrong_text(key: str, value: Any) -> bool:
    """A plain word given where a checked key wants something else (``lr=abc``).

    Only words are judged here, before Hydra merges the override: a number, list or null
    is checked after composition, with every other key in view; an interpolation too. A
    word OmegaConf converts to what the key wants ('0.5', '5', 'yes') is left to that.
    """
    if key not in CHECKS or not isinstance(value, str) or "${" in value:
        return False
    check = CHECKS[key][0]
    return not any(check(v) for v in (value, *_conversions(value)))


def _conversions(text: str) -> list[Any]:
    """What OmegaConf could make of this string for an int, float or bool key."""
    out: list[Any] = []
    for convert in (int, float, to_bool):
        try:
            out.append(convert(text))
        except (ValueError, ValidationError):
            pass
    return out


def precheck_overrides(args: list[str]) -> None:
    """Reject an unknown config-group choice (``optim=lbfgs``) or a word where a checked key
    wants a number (``lr=abc``) before Hydra composes.

    Hydra's own messages for these list its search path or a type error; these are single
    lines, and a refused multirun leaves no sweep directory. Anything this cannot parse is
    left for Hydra to report.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        overrides = OverridesParser.create().parse_overrides(
            [a for a in args if not a.startswith("-") and "=" in a]
        )
    except Exception:  # noqa: BLE001 - Hydra reports malformed overrides itself
        return
    for override in overrides:
        if not override.key_or_group.lstrip("+~"):
            raise ConfigError.plain(f"override {override.input_line!r} has no key: write key=value")
        key = override.key_or_group.lstrip("+~")
        if override.is_delete():
            continue
        choices = group_choices(key) if "." not in key and "/" not in key else []
        for value in _values(override):
            if choices and (not isinstance(value, str) or value not in choices):
                raise ConfigError(key, value, "one of " + ", ".join(choices))
            if not choices and _wrong_text(key, value):
                raise ConfigError(key, value, CHECKS[key][1])
