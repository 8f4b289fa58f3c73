"""The ``model`` group's choices in one table, ``MODELS``: all that differs between the MLP and the CNN."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lab1.config.errors import ConfigError
from lab1.data import IMAGES
from lab1.nn.network import ConvSpec, NetSpec


def hidden_sizes(cfg: Any) -> tuple[int, ...]:
    """Hidden widths: ``hidden`` repeated ``depth`` times, or the list as given."""
    if isinstance(cfg.hidden, int):
        return (int(cfg.hidden),) * int(cfg.depth)
    return tuple(int(w) for w in cfg.hidden)


def _spec(cfg: Any, sizes: tuple[int, ...], image: Any = None, conv: ConvSpec | None = None) -> NetSpec:
    return NetSpec(
        sizes=sizes,
        activation=cfg.activation,
        output_activation=cfg.output_activation,
        bias=bool(cfg.bias),
        slope=float(cfg.leaky_slope),
        image=image,
        conv=conv,
    )


def _mlp_spec(cfg: Any, n_in: int, image: Any) -> NetSpec:
    return _spec(cfg, (n_in, *hidden_sizes(cfg), 1))


def _cnn_spec(cfg: Any, n_in: int, image: Any) -> NetSpec:
    m = cfg.model
    conv = ConvSpec(int(m.filters), int(m.kernel), int(m.stride), int(m.padding), m.pool)
    return _spec(cfg, (n_in, int(m.hidden), 1), image, conv)


def _mlp_title(cfg: Any) -> str:
    hidden = f"{cfg.hidden}x{cfg.depth}" if isinstance(cfg.hidden, int) else list(cfg.hidden)
    return f"hidden {hidden}"


def _cnn_title(cfg: Any) -> str:
    m = cfg.model
    extras = (
        (f"stride {m.stride}", m.stride != 1),
        (f"padding {m.padding}", m.padding),
        (f"pool {m.pool}", m.pool),
    )
    front = "".join(f", {text}" for text, shown in extras if shown)
    return f"cnn {m.filters}x{m.kernel}x{m.kernel}{front}, hidden {m.hidden}"


def _cnn_check(cfg: dict) -> None:
    if cfg["dataset"]["name"] not in IMAGES:
        raise ConfigError("model", "cnn", f"an image dataset (dataset={' or '.join(sorted(IMAGES))})")
    kernel, side = cfg["model"]["kernel"], int(cfg["dataset"]["size"]) + 2 * int(cfg["model"]["padding"])
    if kernel > side:
        raise ConfigError("model.kernel", kernel, f"at most the padded image side {side}")


@dataclass(frozen=True)
class Model:
    """What lab1 needs to know of one ``model`` choice."""

    spec: Callable[[Any, int, Any], NetSpec]  # (cfg, flat input width, image shape) -> network
    title: Callable[[Any], str]  # the network part of a figure title
    check: Callable[[dict], None]  # raise ConfigError for a combination it cannot train (a plain config)
    keys: frozenset[str]  # the width keys it reads (model.* or top-level); another has no effect
    hint: str  # where its widths are set, for a key it does not read


MODELS: dict[str, Model] = {
    "mlp": Model(
        _mlp_spec,
        _mlp_title,
        lambda cfg: None,
        frozenset({"hidden", "depth"}),
        "the MLP's widths are hidden= (a width or a list such as [4,16]) and depth=",
    ),
    "cnn": Model(
        _cnn_spec,
        _cnn_title,
        _cnn_check,
        frozenset({f"model.{k}" for k in ("filters", "kernel", "stride", "padding", "pool", "hidden")}),
        "the CNN's sizes are model.filters, model.kernel, model.stride, model.padding, model.pool, model.hidden",
    ),
}


def net_spec(cfg: Any, n_in: int, image: tuple[int, int, int] | None = None) -> NetSpec:
    """The network shape a config asks for (a CNN needs the image shape of the data)."""
    return MODELS[cfg.model.name].spec(cfg, n_in, image)
