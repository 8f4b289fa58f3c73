"""A student's adapter for ``check grad``: ``loss_and_grads(params, x, y) -> (loss, grads)``, loaded and called.

The one piece of student code lab1 imports (its directory first on ``sys.path``); a bad answer
raises ``AdapterError`` with one line saying what it got.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

Array = np.ndarray
FUNCTION = "loss_and_grads"


class AdapterError(Exception):
    """The adapter is missing, raised, or returned something unusable; the message says what it got."""


def _where(err: BaseException, adapter: Path) -> str:
    """The innermost line of the student's code (under the adapter's directory) the error passed."""
    frames = [f for f in traceback.extract_tb(err.__traceback__) if Path(f.filename).parent == adapter.parent]
    return f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""


def load(adapter: Path) -> Callable[..., Any]:
    """Import the adapter (its directory first on ``sys.path``) and return its ``loss_and_grads``."""
    adapter = adapter.resolve()
    sys.path.insert(0, str(adapter.parent))
    spec = importlib.util.spec_from_file_location(f"lab1_adapter_{adapter.stem}", adapter)
    if spec is None or spec.loader is None:
        raise AdapterError(f"{adapter.name} cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: BLE001 - SystemExit and SyntaxError included: one line each
        raise AdapterError(
            f"{adapter.name} raised {type(err).__name__}: {err}{_where(err, adapter)} while loading"
        ) from None
    function = getattr(module, FUNCTION, None)
    if not callable(function):
        raise AdapterError(f"{adapter.name} defines no {FUNCTION}(params, x, y) -> (loss, grads)")
    return function


def _squeezed(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(d for d in shape if d != 1)


def _loss(value: Any) -> float:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AdapterError(f"the loss is a {type(value).__name__}, not a number") from None
    if array.size != 1:
        raise AdapterError(
            f"the loss has shape {array.shape}; it must be one number (the mean over the samples)"
        )
    if not np.isfinite(array).all():
        raise AdapterError(f"the loss is {float(array.reshape(-1)[0])}; it must be finite")
    return float(array.reshape(-1)[0])


def _gradient(name: str, value: Any, param: Array) -> Array:
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AdapterError(f"grads[{name!r}] is a {type(value).__name__}, not an array of numbers") from None
    if array.shape != param.shape and _squeezed(array.shape) != _squeezed(param.shape):
        layout = " (fan_in, fan_out): transpose it in the adapter" if name.startswith("W") else ""
        raise AdapterError(f"grads[{name!r}] has shape {array.shape}; {name} is {param.shape}{layout}")
    if not np.isfinite(array).all():
        raise AdapterError(f"grads[{name!r}] holds {int((~np.isfinite(array)).sum())} non-finite values")
    return array.reshape(param.shape)


def call(
    function: Callable[..., Any], params: Mapping[str, Array], x: Array, y: Array
) -> tuple[float, dict[str, Array]]:
    """The adapter's loss and gradients at ``params`` (it gets copies), checked and in lab1's shapes."""
    copies = {k: v.copy() for k, v in params.items()}
    try:
        result = function(copies, x.copy(), y.copy())
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: BLE001 - the student's error, in one line
        where = _where(err, Path(getattr(getattr(function, "__code__", None), "co_filename", ".")))
        raise AdapterError(f"{FUNCTION} raised {type(err).__name__}: {err}{where}") from None
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AdapterError(f"{FUNCTION} returned a {type(result).__name__}; it must return (loss, grads)")
    loss, grads = _loss(result[0]), result[1]
    if not isinstance(grads, Mapping):
        raise AdapterError(
            f"grads is a {type(grads).__name__}; it must be a dict with the keys {', '.join(params)}"
        )
    missing, extra = [k for k in params if k not in grads], [str(k) for k in grads if k not in params]
    if missing or extra:
        got = ", ".join(map(str, grads)) or "none"
        raise AdapterError(f"grads has the keys {got}; it must have exactly {', '.join(params)}")
    return loss, {k: _gradient(k, grads[k], params[k]) for k in params}
