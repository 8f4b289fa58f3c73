"""Structured configs: the type of every key, registered in Hydra's ConfigStore with the report's
sweeps (``sweeps/``) as the ``sweep`` group. Only the dataset and model schemas carry defaults.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field, fields, make_dataclass
from importlib import resources
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, OmegaConf

from lab1.nn.optimizers import OPTIMIZERS, Optimizer, hyperparameter_names

CONFIG_PACKAGE = "lab1.conf"  # conf/, shipped as this package (pyproject.toml)
SWEEPS_PACKAGE = "lab1.conf.sweep"  # sweeps/, shipped as this package
VERSION_BASE = "1.3"  # the Hydra defaults lab1 is written for (hydra-core is pinned to 1.3)

# Keys that change what a job shows or keeps, not what it computes: the config hash, job directory
# names and the swept axes of results.csv leave them out.
PRESENTATION = ("print_every", "progress", "plots", "objective", "resume", "reuse", "logger")


def settings(cfg: Any, keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every resolved config value that affects the numbers: all keys but ``PRESENTATION``'s (or ``keep``)."""
    values = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(values, dict)
    return {str(key): value for key, value in values.items() if key not in PRESENTATION or key in keep}


def flat(node: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts by dotted key (``optim.beta1`` -> 0.9)."""
    if not isinstance(node, dict):
        return {prefix[:-1]: node}
    return {k: v for key, value in node.items() for k, v in flat(value, f"{prefix}{key}.").items()}


LAUNCH_GROUPS = ("sweep", "launcher", "search")
MODE_GROUPS = ("sweep", "search")  # the groups whose files set hydra.mode (tests/test_house.py checks)


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
    lr: float = MISSING
    weight_decay: float = MISSING


def _optimizer_schema(cls: type[Optimizer]) -> type[OptimConfig]:
    """The schema of one optimizer class: its hyperparameters, floats and boolean flags."""
    name = next(n for n, c in OPTIMIZERS.items() if c is cls)
    scalars, flags = hyperparameter_names(name)
    base = {f.name for f in fields(OptimConfig)}
    own = [(n, float, field(default=MISSING)) for n in scalars if n not in base]
    own += [(n, bool, field(default=MISSING)) for n in flags]
    schema = make_dataclass(f"{cls.__name__}Config", own, bases=(OptimConfig,))
    schema.__module__ = __name__  # a module attribute, as a written class is: configs pickle
    globals()[schema.__name__] = schema
    return schema


# conf/optim/<name>.yaml names its optimizer class's schema: sgd_schema, adam_schema, ...
OPTIM_SCHEMAS = {
    f"{cls.__name__.lower()}_schema": _optimizer_schema(cls) for cls in dict.fromkeys(OPTIMIZERS.values())
}


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

    per_job: bool = MISSING  # comparison, learning curve and decision boundary per run
    animation: bool = MISSING  # training.gif: the boundary and the learning curve as training goes
    sweep: bool = MISSING  # a multirun's figures comparing its settings


@dataclass
class LoggerConfig:
    """Experiment trackers; each ``conf/logger`` file turns one on, so ``logger=[tensorboard,mlflow]`` merges both."""

    tensorboard: bool = False  # event files in each run directory
    mlflow: bool = False  # one MLflow run per job, a multirun's as their parent
    tracking_uri: str | None = None  # mlflow: where runs are stored (conf/logger/mlflow.yaml sets it)
    experiment: str | None = None  # mlflow: the experiment's name


@dataclass
class Config:
    """Top-level keys of a run."""

    dataset: Any = MISSING  # one of conf/dataset/*
    optim: Any = MISSING  # one of conf/optim/*
    model: ModelConfig = field(default_factory=ModelConfig)  # one of conf/model/*
    lr: float = MISSING  # learning rate; defaults to the optimizer's own (${optim.lr})
    hidden: Any = MISSING  # width of every hidden layer (int) or each layer's width (list)
    depth: int = MISSING  # number of hidden layers when ``hidden`` is an int
    activation: str = MISSING  # hidden activation
    leaky_slope: float = MISSING  # negative slope of leaky_relu
    output_activation: str = MISSING
    loss: str = MISSING
    init: str = MISSING
    bias: bool = MISSING
    epochs: int = MISSING
    batch_size: int | None = MISSING  # None: full batch
    seed: int = MISSING
    print_every: int = MISSING  # epochs between "epoch e loss : L" lines; 0 prints none
    log_every: int | None = MISSING  # history interval; None: at most ~1000 rows
    early_stop: Any = MISSING  # stop once the loss is at most this; null or false: never
    stop_accuracy: float | None = MISSING  # stop once the accuracy is at least this; null: never
    objective: str = MISSING  # what the task returns to a sweeper: loss or accuracy
    progress: bool | None = MISSING  # tqdm bar; None: only on a terminal for long runs
    resume: bool = MISSING  # reuse a finished run of the same config found in the job directory
    reuse: Any = MISSING  # directories to copy a finished run of this config from
    plots: PlotsConfig = field(default_factory=PlotsConfig)
    logger: LoggerConfig = field(default_factory=LoggerConfig)  # one or more of conf/logger/*


def presentation_overrides() -> list[str]:
    """Every override key of ``PRESENTATION`` and ``LAUNCH_GROUPS`` (``plots`` and each ``plots.*`` key)."""
    out: list[str] = []
    for key in PRESENTATION:
        kind = typing.get_type_hints(Config)[key]
        out += [key, *(f"{key}.{f.name}" for f in fields(kind))] if dataclasses.is_dataclass(kind) else [key]
    return [*out, *LAUNCH_GROUPS]


def register_configs() -> None:
    """Put the schemas, and the job names' ``exclude_keys`` (``job_names``), in Hydra's ConfigStore."""
    cs = ConfigStore.instance()
    exclude = {"exclude_keys": presentation_overrides()}
    cs.store(
        name="job_names",
        node={"hydra": {"job": {"config": {"override_dirname": exclude}}}},
        package="_global_",
    )
    cs.store(name="config_schema", node=Config)
    cs.store(group="dataset", name="dataset_schema", node=DatasetConfig)
    cs.store(group="model", name="model_schema", node=ModelConfig)
    for name, node in OPTIM_SCHEMAS.items():
        cs.store(group="optim", name=name, node=node)


def group_files(group: str) -> dict[str, Any]:
    """The YAML files of one config group by choice name: ``conf/GROUP/``, ``sweeps/`` for ``sweep``."""
    root = resources.files(SWEEPS_PACKAGE) if group == "sweep" else resources.files(CONFIG_PACKAGE) / group
    if not root.is_dir():
        return {}
    return {p.name[: -len(".yaml")]: p for p in root.iterdir() if p.name.endswith(".yaml")}


def register_sweeps() -> None:
    """Store every sweep file as ``sweep/NAME`` in the package its ``# @package`` line names."""
    cs = ConfigStore.instance()
    for name, path in sorted(group_files("sweep").items()):
        text = path.read_text()
        package = next(
            (line.split("@package", 1)[1].strip() for line in text.splitlines() if "# @package" in line), None
        )
        cs.store(group="sweep", name=name, node=OmegaConf.create(text), package=package)


# ${lab1.eq:a,b}: whether two values are equal (the baseline sweep animates seed 0 only)
if not OmegaConf.has_resolver("lab1.eq"):
    OmegaConf.register_new_resolver("lab1.eq", lambda a, b: a == b)
register_configs()
register_sweeps()
