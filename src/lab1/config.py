"""Structured configs (the schema Hydra checks types against) and value validation.

The YAML files under ``conf/`` hold the values; the dataclasses here declare every key
and its type, and ``validate`` checks what types cannot (ranges and names), raising a
``ConfigError`` that names the key, the value and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, BooleanNode, DictConfig, ListConfig, OmegaConf, ValidationError
from omegaconf.errors import OmegaConfBaseException

from lab1.activations import ACTIVATIONS
from lab1.data import DATASETS, IMAGES, DataError, read_csv
from lab1.losses import ALLOWED_OUTPUTS, LOSSES
from lab1.network import INITS
from lab1.optimizers import OPTIMIZERS, hyperparameter_names


class ConfigError(ValueError):
    """A config value outside what is allowed; the message names key, value and rule."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        super().__init__(f"{key}={value!r} is not allowed: {allowed}")
        self.key, self.value, self.allowed = key, value, allowed

    @classmethod
    def plain(cls, message: str) -> ConfigError:
        """An error whose whole message is given (a data file's problem, say)."""
        err = cls.__new__(cls)
        ValueError.__init__(err, message)
        err.key, err.value, err.allowed = "", None, message
        return err


@dataclass
class DatasetConfig:
    """Which dataset and its size (``n`` is used by ``linear`` and ``bars``; the rest by ``bars``)."""

    name: str = "xor"
    n: int = 100
    size: int = 5  # bars: image side in pixels
    bar: int = 3  # bars: bar length
    noise: float = 0.1  # bars: pixel noise std
    path: str | None = None  # csv: the file, as given (relative to where you run)
    label: str = "label"  # csv: the 0/1 label column
    features: list[str] | None = None  # csv: feature columns; null: every other column


@dataclass
class OptimConfig:
    """Fields every optimizer has; ``lr`` here is the default for the top-level ``lr``."""

    name: str = MISSING
    lr: float = 0.1
    weight_decay: float = 0.0


@dataclass
class SGDConfig(OptimConfig):
    """torch.optim.SGD (``momentum`` > 0 gives heavy-ball or Nesterov momentum)."""

    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False


@dataclass
class AdagradConfig(OptimConfig):
    """torch.optim.Adagrad."""

    lr_decay: float = 0.0
    initial_accumulator_value: float = 0.0
    eps: float = 1e-10


@dataclass
class RMSpropConfig(OptimConfig):
    """torch.optim.RMSprop."""

    alpha: float = 0.99
    eps: float = 1e-8
    momentum: float = 0.0
    centered: bool = False


@dataclass
class AdamConfig(OptimConfig):
    """torch.optim.Adam; torch's ``betas=(b1, b2)`` are ``beta1`` and ``beta2`` here."""

    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    amsgrad: bool = False


@dataclass
class ModelConfig:
    """The network: ``mlp`` (hidden/depth at the top level) or ``cnn`` (the keys below)."""

    name: str = "mlp"
    filters: int = 8  # cnn: convolution filters
    kernel: int = 3  # cnn: square kernel side
    stride: int = 1
    padding: int = 0
    pool: int | None = None  # cnn: max-pool window (and stride); null: no pooling
    hidden: int = 10  # cnn: units of the hidden linear layer after the convolution


@dataclass
class PlotsConfig:
    """Which figures a job draws."""

    per_job: bool = True  # comparison, learning curve and decision boundary per run


@dataclass
class Config:
    """Top-level keys of a run."""

    dataset: Any = MISSING  # one of conf/dataset/*
    optim: Any = MISSING  # one of conf/optim/*
    model: ModelConfig = field(default_factory=ModelConfig)  # one of conf/model/*
    lr: float = MISSING  # learning rate; defaults to the optimizer's own (${optim.lr})
    hidden: Any = 10  # width of every hidden layer (int) or each layer's width (list)
    depth: int = 2  # number of hidden layers when ``hidden`` is an int
    activation: str = "sigmoid"  # hidden activation
    leaky_slope: float = 0.01  # negative slope of leaky_relu
    output_activation: str = "sigmoid"
    loss: str = "mse"
    init: str = "normal"
    bias: bool = True
    epochs: int = 20000
    batch_size: int | None = None  # None: full batch
    seed: int = 0
    print_every: int = 1000  # epochs between "epoch e loss : L" lines; 0 prints none
    log_every: int | None = None  # history interval; None: at most ~1000 rows
    early_stop: float | None = None  # stop once the loss is at most this; None: never
    objective: str = "loss"  # what the task returns to a sweeper: loss or accuracy
    progress: bool | None = None  # tqdm bar; None: only on a terminal for long runs
    resume: bool = True  # reuse a finished run of the same config found in the job directory
    reuse: Any = field(default_factory=list)  # directories to copy a finished run of this config from
    plots: PlotsConfig = field(default_factory=PlotsConfig)


def register_configs() -> None:
    """Put the schemas in Hydra's ConfigStore (the YAML files extend them)."""
    cs = ConfigStore.instance()
    cs.store(name="config_schema", node=Config)
    cs.store(group="dataset", name="dataset_schema", node=DatasetConfig)
    cs.store(group="model", name="model_schema", node=ModelConfig)
    for name, node in {
        "sgd_schema": SGDConfig,
        "adagrad_schema": AdagradConfig,
        "rmsprop_schema": RMSpropConfig,
        "adam_schema": AdamConfig,
    }.items():
        cs.store(group="optim", name=name, node=node)


register_configs()


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _choice(names: Any) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: v in names), "one of " + ", ".join(names)


MAX_WIDTH = 10000  # units per hidden layer: two layers this wide hold 10^8 weights (0.8 GB)


def _width_ok(w: Any) -> bool:
    return _is_int(w) and 1 <= w <= MAX_WIDTH


def _hidden_ok(v: Any) -> bool:
    if isinstance(v, (list, tuple, ListConfig)):
        return 0 < len(v) <= 100 and all(_width_ok(w) for w in v)
    return _width_ok(v)


def reuse_dirs(value: Any) -> list[Any]:
    """The entries of a ``reuse`` value: one path, a list of them, or none ("" or null)."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, (list, tuple, ListConfig)) else [value]


def _reuse_ok(v: Any) -> bool:
    return all(isinstance(d, str) and Path(d).is_dir() for d in reuse_dirs(v))


_POSITIVE = (lambda v: _is_num(v) and v > 0, "a finite number > 0")
_NON_NEGATIVE = (lambda v: _is_num(v) and v >= 0, "a finite number >= 0")
_UNIT = (lambda v: _is_num(v) and 0 <= v < 1, "a number in [0, 1)")
_BOOL = (lambda v: isinstance(v, bool), "true or false")

# key -> (check, what is allowed); a key absent from the config is skipped.
CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "dataset.name": _choice(DATASETS),
    "dataset.n": (lambda v: _is_int(v) and 1 <= v <= 10**7, "an integer from 1 to 10000000"),
    "optim.name": _choice(OPTIMIZERS),
    "dataset.size": (lambda v: _is_int(v) and v >= 2, "an integer >= 2"),
    "dataset.bar": (lambda v: _is_int(v) and v >= 1, "an integer >= 1 and <= dataset.size"),
    "dataset.noise": _NON_NEGATIVE,
    "model.name": _choice(("mlp", "cnn")),
    "model.filters": (lambda v: _is_int(v) and 1 <= v <= 1024, "an integer from 1 to 1024"),
    "model.kernel": (lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    "model.stride": (lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    "model.padding": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    "model.pool": (lambda v: v is None or (_is_int(v) and v >= 1), "null (no pooling) or an integer >= 1"),
    "model.hidden": (_width_ok, f"an integer from 1 to {MAX_WIDTH}"),
    "lr": _POSITIVE,
    "hidden": (_hidden_ok, f"an integer from 1 to {MAX_WIDTH} or a non-empty list of them"),
    "depth": (lambda v: _is_int(v) and 1 <= v <= 100, "an integer from 1 to 100"),
    "activation": _choice(ACTIVATIONS),
    "output_activation": _choice(ACTIVATIONS),
    "leaky_slope": (_is_num, "a finite number"),
    "loss": _choice(LOSSES),
    "init": _choice(INITS),
    "epochs": (lambda v: _is_int(v) and 0 <= v <= 10**9, "an integer from 0 to 1000000000"),
    "batch_size": (lambda v: v is None or (_is_int(v) and v >= 1), "null (full batch) or >= 1"),
    "seed": (lambda v: _is_int(v) and 0 <= v < 2**32, "an integer in [0, 2**32)"),
    "print_every": (lambda v: _is_int(v) and v >= 0, "an integer >= 0 (0 prints nothing)"),
    "log_every": (lambda v: v is None or (_is_int(v) and v >= 1), "null (automatic) or >= 1"),
    "early_stop": (lambda v: v is None or (_is_num(v) and v >= 0), "null (off) or a number >= 0"),
    "objective": _choice(("loss", "accuracy")),
    "optim.weight_decay": _NON_NEGATIVE,
    "optim.momentum": _UNIT,
    "optim.dampening": (lambda v: _is_num(v) and 0 <= v <= 1, "a number in [0, 1]"),
    "optim.lr_decay": _NON_NEGATIVE,
    "optim.initial_accumulator_value": _NON_NEGATIVE,
    "optim.eps": _POSITIVE,
    "optim.alpha": _UNIT,
    "optim.beta1": _UNIT,
    "optim.beta2": _UNIT,
    "bias": _BOOL,
    "resume": _BOOL,
    "reuse": (_reuse_ok, "an existing directory, a list of them, or null"),
    "plots.per_job": _BOOL,
    "progress": (lambda v: v is None or isinstance(v, bool), "null (on a terminal), true or false"),
    "optim.nesterov": _BOOL,
    "optim.amsgrad": _BOOL,
    "optim.centered": _BOOL,
}


def _lookup(cfg: DictConfig | dict, key: str) -> tuple[bool, Any]:
    node: Any = cfg
    for part in key.split("."):
        if not isinstance(node, (dict, DictConfig)) or part not in node or node[part] == MISSING:
            return False, None
        node = node[part]
    if isinstance(node, ListConfig):
        node = list(node)
    return True, node


class _AttrDict(dict):
    """A resolved config as nested dicts read by attribute, as a DictConfig is read."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def _attr_dicts(value: Any) -> Any:
    """Containers from ``OmegaConf.to_container`` with every dict an ``_AttrDict``."""
    if isinstance(value, dict):
        return _AttrDict({k: _attr_dicts(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_attr_dicts(v) for v in value]
    return value


def _required(cfg: DictConfig) -> list[str]:
    """Every key the run needs: the schema's, the optimizer's and the dataset's and model's."""
    keys = [f.name for f in fields(Config)]
    keys += [f"dataset.{f.name}" for f in fields(DatasetConfig)]
    keys += [f"model.{f.name}" for f in fields(ModelConfig)]
    optim = cfg.get("optim")
    if isinstance(optim, (dict, DictConfig)) and optim.get("name") in OPTIMIZERS:
        scalars, flags = hyperparameter_names(optim.name)
        keys += [f"optim.{k}" for k in ("name", *scalars, *flags) if k != "lr"]
    return keys


def validate(cfg: DictConfig) -> None:
    """Raise ConfigError for the first value outside what is allowed.

    The checks read a resolved plain copy, ten times faster than the DictConfig itself (a
    sweep validates every job); an interpolation that cannot be resolved is refused here.
    """
    try:
        cfg = _attr_dicts(OmegaConf.to_container(cfg, resolve=True))
    except OmegaConfBaseException as err:  # e.g. lr=${oops}: name the key and the reason
        key, reason = getattr(err, "full_key", None) or "a value", str(err).splitlines()[0]
        raise ConfigError.plain(f"{key}: its interpolation cannot be resolved ({reason})") from None
    for key in _required(cfg):
        if not _lookup(cfg, key)[0]:
            raise ConfigError.plain(
                f"{key} is missing (removed with ~{key}?); lab1 needs every key of its config"
            )
    for key, (check, allowed) in CHECKS.items():
        present, value = _lookup(cfg, key)
        if present and not check(value):
            raise ConfigError(key, value, allowed)
    allowed_outputs = ALLOWED_OUTPUTS[cfg.loss]
    if allowed_outputs is not None and cfg.output_activation not in allowed_outputs:
        raise ConfigError(
            "output_activation",
            cfg.output_activation,
            f"loss={cfg.loss} needs one of {', '.join(allowed_outputs)}",
        )
    if cfg.dataset.name == "csv":
        try:
            read_csv(cfg.dataset.path, cfg.dataset.label, cfg.dataset.features)
        except DataError as err:
            raise ConfigError.plain(str(err)) from None
    if cfg.dataset.name == "bars" and cfg.dataset.bar > cfg.dataset.size:
        raise ConfigError("dataset.bar", cfg.dataset.bar, f"at most dataset.size={cfg.dataset.size}")
    if cfg.model.name == "cnn":
        if cfg.dataset.name not in IMAGES:
            raise ConfigError("model", "cnn", f"an image dataset (dataset={' or '.join(sorted(IMAGES))})")
        m, side = cfg.model, int(cfg.dataset.size) + 2 * int(cfg.model.padding)
        if m.kernel > side:
            raise ConfigError("model.kernel", m.kernel, f"at most the padded image side {side}")
    if cfg.optim.get("nesterov") and not cfg.optim.get("momentum"):
        raise ConfigError("optim.nesterov", True, "Nesterov momentum needs optim.momentum > 0")


def hidden_sizes(cfg: DictConfig) -> tuple[int, ...]:
    """Hidden widths: ``hidden`` repeated ``depth`` times, or the list as given."""
    if isinstance(cfg.hidden, (list, tuple, ListConfig)):
        return tuple(int(w) for w in cfg.hidden)
    return (int(cfg.hidden),) * int(cfg.depth)


def log_interval(cfg: DictConfig) -> int:
    """History interval: ``log_every``, or one that keeps about 1000 rows."""
    if cfg.log_every is not None:
        return int(cfg.log_every)
    return max(1, -(-int(cfg.epochs) // 1000))


def config_groups() -> list[str]:
    """The config groups of ``conf/``: its subdirectories (dataset, optim, model, ...)."""
    from importlib import resources

    root = resources.files("lab1.conf")
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))


def group_choices(group: str) -> list[str]:
    """Names of the YAML files of one config group under ``conf/``."""
    from importlib import resources

    root = resources.files("lab1.conf").joinpath(group)
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
    for convert in (int, float, lambda t: BooleanNode(t)._value()):
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
