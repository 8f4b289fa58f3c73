"""Imports and the handout's generators, read from syntax trees (never run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lab1.check import static
from lab1.check.handout import GENERATORS

STUDENTS = Path(__file__).parent / "students"


def _tree(text: str) -> ast.Module:
    return ast.parse(text)


def test_every_import_and_the_forbidden_ones_with_file_and_line():
    text = "import numpy as np\nimport os, torch.nn\nfrom sklearn.metrics import f1_score\nfrom . import helper\n"
    text += "import layers\nfrom matplotlib import pyplot\nm = __import__('jax')\nimport importlib\nimportlib.import_module('tensorflow')\n"
    found = static.imports(_tree(text), "lab.py")
    assert [(i.module, i.line) for i in found] == [
        ("numpy", 1), ("os", 2), ("torch.nn", 2), ("sklearn.metrics", 3), ("layers", 5), ("matplotlib", 6),
        ("jax", 7), ("importlib", 8), ("tensorflow", 9),
    ]  # fmt: skip
    bad = static.forbidden(found, own={"layers"})
    assert [(i.module, i.file, i.line) for i in bad] == [
        ("torch.nn", "lab.py", 2), ("sklearn.metrics", "lab.py", 3), ("jax", "lab.py", 7), ("tensorflow", "lab.py", 9),
    ]  # fmt: skip


def test_the_students_own_modules_are_not_forbidden():
    files = [STUDENTS / "handout.py", STUDENTS / "layers.py"]
    own = static.own_modules(files, STUDENTS)
    tree = static.read_tree(STUDENTS / "handout.py")
    assert tree is not None
    assert static.forbidden(static.imports(tree, "handout.py"), own) == []


def _status(text: str) -> dict[str, str]:
    return static.verdicts(static.generators(_tree(text), "lab.py"))


def test_the_handouts_text_is_intact_and_an_empty_file_misses_both():
    assert _status(GENERATORS) == {"generate_linear": "intact", "generate_XOR_easy": "intact"}
    assert _status("x = 1\n") == {"generate_linear": "missing", "generate_XOR_easy": "missing"}


HARMLESS = {
    "no import inside, numpy imported at the top": ("    import numpy as np\n", ""),
    "no unused distance": ("        distance = (pt[0] - pt[1]) / 1.414\n", ""),
    "a docstring and comments": (
        "def generate_linear(n=100):\n",
        'def generate_linear(n=100):\n    """The data."""  # mine\n',
    ),
    "other local names": ("pts", "points"),
    "numpy by its full name": ("np.", "numpy."),
    "reformatted": ("(n, 2)", "( n,2 )"),
}


@pytest.mark.parametrize("change", HARMLESS, ids=list(HARMLESS))
def test_harmless_differences_keep_a_generator_intact(change):
    old, new = HARMLESS[change]
    text = "import numpy as np\nimport numpy\n" + GENERATORS.replace(old, new)
    assert text != GENERATORS
    assert _status(text) == {"generate_linear": "intact", "generate_XOR_easy": "intact"}


def test_a_generator_as_a_static_method_is_intact():
    body = GENERATORS.split("def generate_XOR_easy")[0].replace("\n", "\n    ")
    text = "class Data:\n    @staticmethod" + body
    assert static.verdicts(static.generators(_tree(text), "a.py"))["generate_linear"] == "intact"


CHANGES = {
    "another range": ("np.random.uniform(0, 1, (n, 2))", "np.random.uniform(-1, 1, (n, 2))", 3),
    "labels swapped": ("labels.append(0)\n        else", "labels.append(1)\n        else", 10),
    "a draw before the points": ("    pts =", "    noise = np.random.rand()\n    pts =", 3),
    "another default n": ("def generate_linear(n=100)", "def generate_linear(n=200)", 1),
}


@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_a_change_to_the_data_is_modified_at_its_line(change):
    old, new, line = CHANGES[change]
    text = GENERATORS.lstrip().replace(old, new, 1)
    (linear,) = [g for g in static.generators(_tree(text), "a.py") if g.name == "generate_linear"]
    assert (linear.status, linear.differs_at) == ("modified", line)


def test_one_modified_copy_marks_the_generator_modified():
    copies = GENERATORS + GENERATORS.replace("range(11)", "range(10)")
    verdicts = _status(copies)
    assert verdicts == {"generate_linear": "intact", "generate_XOR_easy": "modified"}
