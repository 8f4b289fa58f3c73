"""The suite's order: its longest files first, so that the workers end together; and every
test's pyplot figures closed after it."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

# Files by their share of the suite's time (slowest first); xdist hands whole files to its
# workers in this order, so the last ones handed out are short and no worker waits idle.
LONGEST = (
    "tests/job/test_hardening.py",
    "tests/report/test_report.py",
    "tests/sweep/test_vectorized.py",
    "tests/job/test_loggers.py",
    "tests/sweep/test_sweeps.py",
    "tests/sweep/test_cluster.py",
    "tests/job/test_animation.py",
    "tests/job/test_mistakes.py",
    "tests/nn/test_training.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest files first; every other file and every test within a file keep their order."""
    rank = {path: i for i, path in enumerate(LONGEST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(LONGEST)))


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """A test's pyplot figures are closed after it: a worker runs other files' tests next, and
    matplotlib warns (an error in this suite) once more than 20 are open."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
