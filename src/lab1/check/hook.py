"""Copied into a student's run as ``sitecustomize.py``: every figure it shows or saves is kept as a PNG.

It wraps ``pyplot.show`` and ``Figure.savefig`` once the program imports matplotlib (names:
docs/check.md). Standard library only: it runs in the student's Python.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import itertools
import os
import sys
from types import ModuleType
from typing import Any

_COUNT = itertools.count(1)


def _keep(figure: Any, how: str) -> None:
    """Write one figure as the next numbered PNG."""
    folder = os.environ.get("LAB1_CHECK_FIGURES")
    if folder:
        original = getattr(type(figure), "_lab1_savefig", type(figure).savefig)
        original(figure, os.path.join(folder, f"{next(_COUNT):02d}-{how}.png"), format="png", dpi=100)


def _patch_figure(module: ModuleType) -> None:
    cls = module.Figure
    cls._lab1_savefig = cls.savefig

    def savefig(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = cls._lab1_savefig(self, *args, **kwargs)
        _keep(self, "savefig")
        return result

    cls.savefig = savefig


def _patch_pyplot(module: ModuleType) -> None:
    def show(*args: Any, **kwargs: Any) -> None:
        """Keep every open figure, then close them, as the student closing the windows would."""
        for number in module.get_fignums():
            _keep(module.figure(number), "show")
        module.close("all")

    setattr(module, "show", show)  # noqa: B010 - a module's attribute, replaced


PATCHES = {"matplotlib.figure": _patch_figure, "matplotlib.pyplot": _patch_pyplot}


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the modules to patch with the usual finders, and patches each once it is loaded."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in PATCHES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            run(module)
            PATCHES[name](module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if __name__ == "sitecustomize":
    sys.meta_path.insert(0, _Finder())
