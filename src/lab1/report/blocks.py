"""The report as a list of blocks, so one text renders both ``report.md`` and ``report.pdf``.

``Para`` text is Markdown-flavoured: `code`, **bold** and *emphasis* only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Front:
    """The title page: the title, and who hands the report in (either may be empty)."""

    title: str
    author: str = ""
    student_id: str = ""

    def lines(self) -> list[str]:
        """The lines under the title: the student's name and ID, as given."""
        return [t for t in (self.author, f"Student ID: {self.student_id}" if self.student_id else "") if t]


@dataclass(frozen=True)
class Heading:
    """A section heading: numbered 1, 2, ... (level 1) and A., B., ... (level 2) unless not ``numbered``."""

    level: int
    text: str
    label: str = ""  # for references: <label> in Typst
    numbered: bool = True


@dataclass(frozen=True)
class Para:
    """A paragraph of text."""

    text: str


@dataclass(frozen=True)
class Math:
    """A displayed equation, in LaTeX for Markdown and in Typst's math syntax for the PDF."""

    latex: str
    typst: str


@dataclass(frozen=True)
class Figure:
    """An image file beside the report, with a numbered caption, printed at the size it was drawn."""

    path: str  # relative to the report's directory
    caption: str
    label: str
    float: bool = False  # may move to the top or bottom of a page (one taller than a third of one)


@dataclass(frozen=True)
class Row:
    """Figures printed side by side (each drawn at most half the text wide)."""

    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class Table:
    """A table with a numbered caption."""

    frame: pd.DataFrame
    caption: str
    label: str


@dataclass(frozen=True)
class Code:
    """Source code, quoted as it is."""

    text: str
    caption: str
    label: str


@dataclass(frozen=True)
class Terminal:
    """A command and what it printed, set as a terminal; the PDF sets long output in two columns."""

    command: str
    lines: list[str]
    caption: str
    label: str


Block = Heading | Para | Math | Figure | Row | Table | Code | Terminal
