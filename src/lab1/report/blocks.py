"""The report as a list of blocks, so one text renders both ``report.md`` and ``report.pdf``.

Text in a ``Para`` is Markdown-flavoured: `code`, **bold** and *emphasis* only; each
renderer turns it into its own markup. Math is given in both LaTeX (Markdown) and Typst.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


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
    """An image file beside the report, with a numbered caption."""

    path: str  # relative to the report's directory
    caption: str
    label: str
    width: str = "100%"


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
class Listing:
    """Long plain lines (the prediction listings): the PDF sets them in columns."""

    title: str
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Link:
    """A file the Markdown links to (an animation) and the PDF only names."""

    path: str
    text: str


Block = Heading | Para | Math | Figure | Table | Code | Listing | Link
