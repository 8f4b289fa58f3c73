"""Value checks: what types cannot say (ranges, names, combinations); ``CHECKS`` is the one home of
every key's rule and of the words the pre-check, the errors and ``--help`` quote.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from omegaconf import MISSING, DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from lab1.config.errors import ConfigError
from lab1.config.keys_known import optim_keys, section_keys, top_keys
from lab1.config.models import MODELS
from lab1.data import DATASETS, DataError, read_csv
from lab1.nn.activations import ACTIVATIONS
from lab1.nn.losses import ALLOWED_OUTPUTS, LOSSES
from lab1.nn.network import INITS
from lab1.nn.optimizers import OPTIMIZERS


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _choice(names: Any) -> tuple[Callable[[Any], bool], str]:
    return (lambda v: isinstance(v, str) and v in names), "one of " + ", ".join(names)


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
BOOLEAN = "true or false"  # what a boolean key allows, in every message that says so
_BOOL = (lambda v: isinstance(v, bool), BOOLEAN)

# key -> (check, what is allowed); a key absent from the config is skipped.
CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "dataset.name": _choice(DATASETS),
    "dataset.n": (lambda v: _is_int(v) and 1 <= v <= 10**7, "an integer from 1 to 10000000"),
    "optim.name": _choice(OPTIMIZERS),
    "dataset.size": (lambda v: _is_int(v) and v >= 2, "an integer >= 2"),
    "dataset.bar": (lambda v: _is_int(v) and v >= 1, "an integer >= 1 and <= dataset.size"),
    "dataset.noise": _NON_NEGATIVE,
    "model.name": _choice(MODELS),
    "model.filters": (lambda v: _is_int(v) and 1 <= v <= 1024, "an integer from 1 to 1024"),
    "model.kernel": (lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    "model.stride": (lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    "model.padding": (lambda v: _is_int(v) and v >= 0, "an integer >= 0"),
    "model.pool": (lambda v: v is None or (_is_int(v) and v >= 1), "null (no pooling) or an integer >= 1"),
    "model.hidden": (_width_ok, f"an integer from 1 to {MAX_WIDTH}"),
    "lr": _POSITIVE,
    "optim.lr": _POSITIVE,
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
    "early_stop": (
        lambda v: v is None or v is False or (_is_num(v) and v >= 0),
        "null or false (off), or a number >= 0",
    ),
    "stop_accuracy": (
        lambda v: v is None or (_is_num(v) and 0 < v <= 1),
        "null (off) or a fraction in (0, 1]",
    ),
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
    "plots.animation": _BOOL,
    "plots.sweep": _BOOL,
    "progress": (lambda v: v is None or isinstance(v, bool), "null (on a terminal), true or false"),
    "optim.nesterov": _BOOL,
    "optim.amsgrad": _BOOL,
    "optim.centered": _BOOL,
    "logger.tensorboard": _BOOL,
    "logger.mlflow": _BOOL,
    "logger.tracking_uri": (lambda v: v is None or (isinstance(v, str) and v != ""), "null or a URI"),
    "logger.experiment": (lambda v: v is None or (isinstance(v, str) and v != ""), "null or a name"),
}


# key -> what it means, one line; with CHECKS (what is allowed) this is ``--help``'s text.
MEANINGS: dict[str, str] = {
    "dataset": "the data: the handout's linear and xor, the 4-point xor4, bars images, or your csv",
    "optim": "the optimizer, each with torch.optim's update rule and defaults",
    "model": "the network: mlp (hidden, depth) or cnn (model.*, image datasets only)",
    "launcher": "how a multirun runs its jobs",
    "search": "a hyperparameter search instead of a grid (+search=optuna)",
    "sweep": "one of the report's sweeps (+sweep=NAME)",
    "logger": "experiment trackers; both at once: logger=[tensorboard,mlflow]",
    "lr": "learning rate; each optimizer file sets its own default",
    "hidden": "every hidden layer's width, or a list of widths such as [4,16]",
    "depth": "number of hidden layers when hidden is one width",
    "activation": "activation of the hidden layers",
    "leaky_slope": "negative slope of leaky_relu",
    "output_activation": "activation of the output unit",
    "loss": "mse (mean of (p - y)^2) or bce (binary cross-entropy)",
    "init": "weights: normal (standard normal, as the lab), xavier or he; biases start at 0",
    "bias": "false removes every bias",
    "epochs": "updates; epoch 0 is the initial network",
    "batch_size": "samples per update; null: the full batch",
    "seed": "seeds the data (linear, bars), the weights and the mini-batch order",
    "print_every": "print 'epoch e loss : L' every this many epochs",
    "log_every": "history.csv interval in epochs; null: at most about 1000 rows",
    "early_stop": "stop once the loss is at most this",
    "stop_accuracy": "stop once the accuracy is at least this fraction (1.0: every sample right)",
    "objective": "what a run returns to sweepers such as Optuna",
    "progress": "a progress bar",
    "resume": "keep a finished run of the same config found in the job directory",
    "reuse": "directories searched for a finished run of the same config to copy",
    "plots.per_job": "draw comparison, learning curve and decision boundary per run",
    "plots.animation": "write training.gif: decision boundary (or images) and learning curve over training",
    "plots.sweep": "draw a multirun's figures: learning curves, and bars or a heatmap",
    "dataset.n": "number of points (linear) or images (bars)",
    "dataset.size": "bars: image side in pixels",
    "dataset.bar": "bars: bar length in pixels",
    "dataset.noise": "bars: standard deviation of the pixel noise",
    "dataset.path": "csv: the file, relative to where you run lab1",
    "dataset.label": "csv: the 0/1 label column",
    "dataset.features": "csv: the feature columns; null: every other column",
    "model.filters": "cnn: convolution filters",
    "model.kernel": "cnn: square kernel side",
    "model.stride": "cnn: convolution stride",
    "model.padding": "cnn: zero padding on each side",
    "model.pool": "cnn: max-pool window and stride",
    "model.hidden": "cnn: units of the hidden layer after the convolution",
    "optim.lr": "the optimizer's default learning rate (lr= overrides it)",
    "optim.weight_decay": "L2 penalty added to the gradient",
    "optim.momentum": "sgd, rmsprop: momentum",
    "optim.dampening": "sgd: dampening of the momentum",
    "optim.nesterov": "sgd: Nesterov momentum",
    "optim.lr_decay": "adagrad: learning-rate decay",
    "optim.initial_accumulator_value": "adagrad: starting value of the squared-gradient sum",
    "optim.eps": "adagrad, rmsprop, adam: term added to the denominator",
    "optim.alpha": "rmsprop: smoothing constant",
    "optim.centered": "rmsprop: normalise by the gradient's variance",
    "optim.beta1": "adam: first-moment decay (torch's betas[0])",
    "optim.beta2": "adam: second-moment decay (torch's betas[1])",
    "optim.amsgrad": "adam: the AMSGrad variant",
    "logger.tensorboard": "write TensorBoard event files into each run directory",
    "logger.mlflow": "log each job as an MLflow run (a multirun: their parent run)",
    "logger.tracking_uri": "mlflow: where runs are stored, relative to where you run lab1, or a server",
    "logger.experiment": "mlflow: the experiment's name",
}
ALLOWED_TEXT = {  # what is allowed where no CHECKS rule says it (groups, csv keys)
    "dataset.path": "a path to a CSV file with a header",
    "dataset.label": "a column name",
    "dataset.features": "null or a list of column names",
}


def _lookup(cfg: dict, key: str) -> tuple[bool, Any]:
    node: Any = cfg
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node or node[part] == MISSING:
            return False, None
        node = node[part]
    return True, node


def _required(cfg: dict) -> list[str]:
    """Every key the run needs: the schema's, the optimizer's and the dataset's and model's."""
    sections = section_keys()
    keys = [*top_keys(), *sections["dataset"], *sections["model"]]
    optim = cfg.get("optim")
    if isinstance(optim, dict):
        keys += [k for k in optim_keys(str(optim.get("name"))) or [] if k != "optim.lr"]
    return keys


def validate(config: DictConfig) -> None:
    """Raise ConfigError for the first value outside what is allowed (in a resolved plain copy)."""
    try:
        cfg: Any = OmegaConf.to_container(config, resolve=True)
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
    loss, output, data = cfg["loss"], cfg["output_activation"], cfg["dataset"]
    allowed_outputs = ALLOWED_OUTPUTS[loss]
    if allowed_outputs is not None and output not in allowed_outputs:
        raise ConfigError(
            "output_activation", output, f"loss={loss} needs one of {', '.join(allowed_outputs)}"
        )
    if data["name"] == "csv":
        try:
            read_csv(data["path"], data["label"], data["features"])
        except DataError as err:
            raise ConfigError.plain(str(err)) from None
    if data["name"] == "bars" and data["bar"] > data["size"]:
        raise ConfigError("dataset.bar", data["bar"], f"at most dataset.size={data['size']}")
    MODELS[cfg["model"]["name"]].check(cfg)
    if cfg["optim"].get("nesterov") and not cfg["optim"].get("momentum"):
        raise ConfigError("optim.nesterov", True, "Nesterov momentum needs optim.momentum > 0")


def log_interval(cfg: DictConfig) -> int:
    """History interval: ``log_every``, or one that keeps about 1000 rows."""
    return int(cfg.log_every) if cfg.log_every is not None else max(1, -(-int(cfg.epochs) // 1000))
