"""The command line's overrides, checked before Hydra composes (grammar, keys, group choices, words),
in single lines where Hydra's list its search path; a refused multirun leaves no sweep directory.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence
from importlib import resources
from typing import Any

from omegaconf import OmegaConf, ValidationError

from lab1.config import command_line
from lab1.config.checks import BOOLEAN, CHECKS
from lab1.config.errors import ConfigError
from lab1.config.keys_known import (
    default_choices,
    integer_keys,
    is_hydra_key,
    known_keys,
    optim_keys,
    unknown_key_message,
)
from lab1.config.schema import CONFIG_PACKAGE, MODE_GROUPS, PRESENTATION, group_files
from lab1.internals import to_bool


def config_groups() -> list[str]:
    """The config groups of ``conf/``: its subdirectories (dataset, optim, model, ...)."""
    root = resources.files(CONFIG_PACKAGE)
    dirs = {p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")}
    return sorted(dirs | {"sweep"})


def group_choices(group: str) -> list[str]:
    """Names of the YAML files of one config group."""
    return sorted(group_files(group))


def command_mode(args: Sequence[str]) -> tuple[bool, str | None]:
    """(known, mode): the ``hydra.mode`` a command line sets, known without Hydra composing a config
    when it uses lab1's config, sets nothing of ``hydra`` whole nor its mode or search path, and
    picks at most one plain file of ``MODE_GROUPS`` (that file's mode; the other groups set none)."""
    split = command_line.split(list(args), ())
    if split is None or not split[1]:
        return False, None
    overrides = parse_each(split[0])
    keys = [o.key_or_group for o in overrides]
    if any(key == "hydra" or key.startswith(("hydra.mode", "hydra.searchpath")) for key in keys):
        return False, None
    chosen = [o for o in overrides if o.key_or_group in MODE_GROUPS]
    if not chosen:
        return True, None
    (one, *more) = chosen
    choice = None if one.is_delete() or one.is_sweep_override() or one.package else one.value()
    if more or not isinstance(choice, str):
        return False, None  # two choices, a package, a list, a deletion: Hydra probes
    path = group_files(one.key_or_group).get(choice)
    if path is None:
        return False, None  # Hydra's own message for a choice that does not exist
    mode = OmegaConf.select(OmegaConf.create(path.read_text()), "hydra.mode")
    return True, None if mode is None else str(mode)


def _values(override: Any) -> list[Any]:
    """An override's one value, or every value of its list or range sweep (none for ``interval``)."""
    if not override.is_sweep_override():
        return [override.value()]
    try:
        return list(override.sweep_iterator())
    except Exception:  # noqa: BLE001 - not a list or range: the sweeper reads it
        return []


def _wrong_text(key: str, value: Any) -> bool:
    """A plain word where a checked key wants something else (``lr=abc``), not one OmegaConf converts."""
    if key not in CHECKS or not isinstance(value, str) or "${" in value:
        return False
    check = CHECKS[key][0]
    return not any(check(v) for v in (value, *_conversions(value)))


def _conversions(text: str) -> list[Any]:
    """What OmegaConf could make of this string for an int, float or bool key."""
    out: list[Any] = []
    for convert in (int, float, to_bool):
        with contextlib.suppress(ValueError, ValidationError):
            out.append(convert(text))
    return out


MALFORMED_HINT = "write key=value, key=a,b,c for a sweep, or key=[a,b] for a list"
_PAIRS = {"[": "]", "{": "}", "(": ")"}


def _bracket_problem(text: str, whole: str) -> str | None:
    """An unclosed or unmatched bracket or quote of ``text`` (of the override ``whole``); None if balanced."""
    stack: list[str] = []
    quote = ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in _PAIRS:
            stack.append(ch)
        elif ch in _PAIRS.values():
            if not stack:
                return f"has a closing {ch!r} with no opening bracket before it"
            if _PAIRS[stack.pop()] != ch:
                return f"closes a bracket with {ch!r} that another kind opened"
    if quote:
        return f"has an unclosed quote {quote}: end the text with {quote}"
    if stack:
        closing = "".join(_PAIRS[c] for c in reversed(stack))
        return f"has an unclosed bracket {stack[-1]!r}: close it ({whole}{closing})"
    return None


def diagnose(text: str) -> str:
    """What is malformed in an override Hydra's parser refused, in one plain line."""
    key, eq, value = text.partition("=")
    if not eq:
        return f"override {text!r} has no '=': write key=value (or ~key to delete a key)"
    if value.startswith("="):
        return f"override {text!r} has '==': write one '=' ({key}={value.lstrip('=')})"
    problem = _bracket_problem(value, text)
    if problem:
        return f"override {text!r} {problem}"
    if value.rstrip().endswith(","):
        fixed = value.rstrip().rstrip(",")
        return f"override {text!r} has a trailing comma: remove it ({key}={fixed}) or add the next value"
    if ",," in value.replace(" ", ""):
        return f"override {text!r} has an empty value between two commas"
    return f"{text!r} is not a valid override ({MALFORMED_HINT})"


def parse_each(texts: list[str]) -> list[Any]:
    """Hydra's parse of every override, one at a time, so a malformed one is named."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser = OverridesParser.create()
    parsed = []
    for text in texts:
        try:
            parsed.append(parser.parse_override(text))
        except Exception:  # noqa: BLE001 - Hydra's parser errors name grammar tokens, not the problem
            raise ConfigError.plain(diagnose(text)) from None
    return parsed


def _optim_choices(overrides: list[Any]) -> list[str] | None:
    """The optimizers the overrides leave chosen; None when a sweep or search may choose one."""
    chosen: list[str] | None = None
    for o in overrides:
        key = o.key_or_group.lstrip("+~")
        if (
            key in ("sweep", "search")
            or key.startswith("hydra.sweeper")
            or (key == "optim" and o.is_delete())
        ):
            return None
        if key == "optim":
            chosen = [v for v in _values(o) if isinstance(v, str)] or None
    if chosen is None:
        default = default_choices().get("optim")
        return [default] if default else None
    return chosen


def check_keys(overrides: list[Any]) -> None:
    """Refuse a key lab1 does not have (``lrr=0.1``) or the chosen optimizer lacks (``optim.beta1``)."""
    groups = config_groups()
    known = set(known_keys(groups))
    optim_keyed = any(o.key_or_group.lstrip("+~").startswith("optim.") for o in overrides)
    choices = _optim_choices(overrides) if optim_keyed else None  # reads conf/ only when needed
    for override in overrides:
        key = override.key_or_group.lstrip("+~")
        if not key or is_hydra_key(key):
            continue
        if key not in known:
            raise ConfigError.plain(unknown_key_message(key, groups))
        if key.startswith("optim.") and not override.is_delete():
            for choice in choices or []:
                keys = optim_keys(choice)
                if keys is not None and key not in keys:
                    raise ConfigError.plain(
                        f"{key} is not a key of optim={choice}; its keys are {', '.join(keys)}"
                    )


def integral(override: Any) -> str | None:
    """The override with an integer key's floats as integers (``epochs=1e4``), None if nothing changes."""
    key = override.key_or_group.lstrip("+~")
    if key not in integer_keys() or override.is_delete():
        return None
    values = _values(override)
    if not any(isinstance(v, float) for v in values):
        return None
    for value in values:
        if isinstance(value, float) and not value.is_integer():
            raise ConfigError(key, value, CHECKS[key][1])
    ints = [int(v) if isinstance(v, float) else v for v in values]
    lhs = override.input_line.partition("=")[0]
    return f"{lhs}={','.join(str(v) for v in ints)}"


# OmegaConf's words for a value of the wrong type -> what is allowed, as lab1's own checks say it
TYPE_WORDS = {
    "not a valid bool": BOOLEAN,
    "converted to Integer": "an integer",
    "converted to Float": "a number",
}


@functools.cache
def _hydra_schema() -> Any:
    """Hydra's own config schema, built once (about 11 ms) and checked against for every value."""
    from hydra.conf import HydraConf

    return OmegaConf.structured(HydraConf)


def check_hydra_value(key: str, override: Any) -> None:
    """Refuse, in one line, a ``hydra.*`` value that Hydra's own schema refuses (``hydra.mode=WALK``)."""
    if not key.startswith("hydra."):
        return
    for value in _values(override):
        try:  # as Hydra merges an override into its config
            OmegaConf.update(_hydra_schema(), key[len("hydra.") :], value, merge=True)
        except ValidationError as err:
            reason = str(err).splitlines()[0]  # "Invalid value 'WALK', expected one of [RUN, MULTIRUN]"
            if "expected one of [" in reason:
                reason = "one of " + reason.partition("[")[2].rstrip("]")
            reason = next((allowed for words, allowed in TYPE_WORDS.items() if words in reason), reason)
            raise ConfigError(key, value, reason) from None
        except Exception:  # noqa: BLE001 - a key the schema leaves open: Hydra checks it as before
            continue


def precheck_overrides(args: list[str]) -> list[str]:
    """Reject a bad override before Hydra composes; ``args`` with integer keys' floats as integers
    and a ``+`` before a choice of a group that is not in the defaults list (``sweep=lr``)."""
    groups = config_groups()
    split = command_line.split(args, known_keys(groups))
    if split is None:
        return args
    texts, own_config = split
    overrides = parse_each(texts)
    for override in overrides:
        if not override.key_or_group.lstrip("+~"):
            raise ConfigError.plain(f"override {override.input_line!r} has no key: write key=value")
    if own_config:
        check_keys(overrides)
    rewritten: dict[str, str] = {}
    for override in overrides:
        key = override.key_or_group.lstrip("+~")
        if override.is_delete():
            continue
        if override.is_sweep_override() and key.split(".")[0] in PRESENTATION:
            raise ConfigError.plain(
                f"{override.input_line}: {key} changes what a run shows or keeps, not the run, so a"
                f" sweep over it would train the same runs twice; give it one value"
                + (" (both trackers at once: logger=[tensorboard,mlflow])" if key == "logger" else "")
            )
        check_hydra_value(key, override)
        choices = group_choices(key) if "." not in key and "/" not in key else []
        values = _values(override)
        if choices:  # a group may take a list of choices (logger=[tensorboard,mlflow])
            values = [v for value in values for v in (value if isinstance(value, list) else [value])]
        for value in values:
            if choices and (not isinstance(value, str) or value not in choices):
                raise ConfigError(key, value, "one of " + ", ".join(choices))
            if not choices and _wrong_text(key, value):
                raise ConfigError(key, value, CHECKS[key][1])
        whole = integral(override)
        if whole is not None:
            rewritten[override.input_line] = whole
        elif (
            own_config
            and choices
            and key not in default_choices()
            and not (override.is_add() or override.is_force_add())
        ):
            rewritten[override.input_line] = f"+{override.input_line}"  # sweep=lr: Hydra needs +sweep=lr
    return [rewritten.get(arg, arg) for arg in args]
