"""Shared material of the check tests: reports typeset by Typst (the typst wheel lab1 already uses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab1.report.typst import compile_pdf

# A student's report in the handout's order, under the headings students really use.
SECTIONS: dict[str, list[str]] = {
    "Introduction": ["A network with two hidden layers learns the linear and the XOR data."],
    "Experiment setups": ["== Sigmoid functions", "== Neural network", "== Backpropagation"],
    "Results of your testing": [
        "== Screenshot and comparison figure",
        "== Show the accuracy of your prediction",
        "== Learning curve (loss, epoch curve)",
        "== Anything you want to present",
    ],
    "Discussion": [
        "== Try different learning rates",
        "== Try different numbers of hidden units",
        "== Try without activation functions",
        "== Anything you want to share",
    ],
    "Questions": [
        "== What is the purpose of activation functions?",
        "== What might happen if the learning rate is too large or too small?",
        "== What is the purpose of weights and biases in a neural network?",
    ],
    "Extra": [
        "== Implement different optimizers",
        "== Implement different activation functions",
        "== Implement convolutional layers",
    ],
}


def typeset(out: Path, leave_out: tuple[str, ...] = ()) -> Path:
    """A report.pdf with a table of contents and every section but ``leave_out``."""
    out.mkdir(parents=True, exist_ok=True)
    lines = ['#set page(paper: "a4")', '#set heading(numbering: "1.A.")', "#outline()"]
    for title, body in SECTIONS.items():
        if title not in leave_out:
            lines += [f"= {title}", *body]
    return compile_pdf("\n".join(lines) + "\n", out)


@pytest.fixture(scope="session")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two reports, each typeset once: the whole handout, and one with no Questions section."""
    root = tmp_path_factory.mktemp("reports")
    return {"full": typeset(root / "full"), "no_questions": typeset(root / "no_questions", ("Questions",))}
