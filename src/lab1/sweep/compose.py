"""Compose a sweep's jobs as Hydra would, but each distinct structure only once.

``JobComposer`` is shared by lab1's sweeper (which checks a batch) and the vectorized
launcher (which trains it); ``remember`` and ``recall`` hand the sweeper's configs over.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf, open_dict

from lab1.config import config_groups
from lab1.internals import apply_overrides, override_dirname


class JobComposer:
    """Compose in full (Hydra) the first job of each set of structural overrides and overridden
    keys; the others copy it and apply their value overrides as Hydra does after composing."""

    def __init__(self, load: Callable[[list[str]], DictConfig]) -> None:
        self.load = load
        self.parser = OverridesParser.create()
        self.templates: dict[tuple, bytes] = {}  # pickled: a copy is one loads
        self.parsed: dict[str, Override] = {}  # each distinct override line parsed once
        self.groups: set[str] = set(config_groups())
        self.full = 0  # how many jobs Hydra composed in full

    def _is_value(self, o: Override) -> bool:
        """A plain ``key=value`` override of a config value."""
        if o.package is not None or o.is_delete() or o.is_add() or o.is_force_add():
            return False
        key = o.key_or_group
        return not ("/" in key or key.startswith("hydra") or key in self.groups)

    def compose(self, overrides: Sequence[str]) -> DictConfig:
        """The job's full config, as ``load_sweep_config`` would return it."""
        for line in overrides:
            if line not in self.parsed:
                (self.parsed[line],) = self.parser.parse_overrides([line])
        parsed = [self.parsed[line] for line in overrides]
        values = [o for o in parsed if self._is_value(o)]
        # an override's input_line is the line it was parsed from
        structural = sorted(line for line, o in zip(overrides, parsed) if not self._is_value(o))
        key = (tuple(structural), tuple(sorted(o.key_or_group for o in values)))
        template = self.templates.get(key)
        if template is None:
            cfg = self.load(list(overrides))
            self.full += 1
            self.groups |= set(cfg.hydra.runtime.choices.keys())
            self.templates[key] = pickle.dumps(cfg)
            return cfg
        cfg = pickle.loads(template)  # a deep copy, several times faster than deepcopy
        apply_overrides(values, cfg)
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = [o.input_line for o in parsed]
            od = cfg.hydra.job.config.override_dirname
            cfg.hydra.job.override_dirname = override_dirname(parsed, od.kv_sep, od.item_sep, od.exclude_keys)
        return cfg


# Configs the sweeper composed while checking a batch, handed to the launcher (same process).
_COMPOSED: dict[tuple[str, ...], DictConfig] = {}


def remember(overrides: Sequence[str], config: DictConfig) -> None:
    """Keep a job's composed config for the launcher."""
    _COMPOSED[tuple(overrides)] = config


def recall(overrides: Sequence[str]) -> DictConfig | None:
    """A config the sweeper composed for these overrides (handed over once), if any."""
    return _COMPOSED.pop(tuple(overrides), None)


def task_config(config: DictConfig) -> DictConfig:
    """The config a task function receives: everything but ``hydra``."""
    return OmegaConf.masked_copy(config, [str(k) for k in config if k != "hydra"])
