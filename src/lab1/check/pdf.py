"""The report's text searched for the handout's six sections and their lettered parts.

A section is found by a heading line (a table of contents' line does not count), a part by
its words between its section's heading and the next one. Reading a PDF needs pypdf.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from lab1.check.handout import SECTIONS, Part

PIP_HINT = "reading report.pdf needs pypdf: pip install -e '.[check]' (or pip install pypdf)"
NUMBERING = re.compile(
    r"^\s*(?:(?:\d+(?:\.\d+)*|[IVX]+\b)[.):]?|[A-Z][.)]|part\s+\d+[.:]?)?\s*", re.IGNORECASE
)
CONTENTS_LINE = re.compile(r"(?:\s|\.)\d+\s*$")
HEADING_CHARS = 70


class MissingExtra(RuntimeError):
    """pypdf is not installed; the message is the pip line."""


def require_pypdf() -> None:
    """Raise MissingExtra unless pypdf can be imported."""
    try:
        import pypdf  # noqa: F401
    except ImportError:
        raise MissingExtra(PIP_HINT) from None


def text(path: Path) -> str:
    """The PDF's text, page after page, in Unicode's compatibility form (ligatures split)."""
    require_pypdf()
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [page.extract_text() or "" for page in reader.pages]
    return unicodedata.normalize("NFKC", "\n".join(pages))


def headings(body: str, part: Part) -> list[int]:
    """Where in ``body`` a line starts that is ``part``'s heading."""
    found, offset = [], 0
    for line in body.splitlines(keepends=True):
        rest = line[NUMBERING.match(line).end() :].strip()  # type: ignore[union-attr]
        if len(rest) <= HEADING_CHARS and part.pattern.match(rest) and not CONTENTS_LINE.search(rest):
            found.append(offset)
        offset += len(line)
    return found


def missing(body: str) -> list[dict]:
    """The sections and parts not found, each as ``{section, title, weight}``, in the handout's order."""
    found = {section.number: headings(body, section) for section, _ in SECTIONS}
    starts = {number: places[0] for number, places in found.items() if places}
    out = []
    for section, parts in SECTIONS:
        if section.number not in starts:
            out.append(_row(section))
            continue
        start = starts[section.number]
        end = min((s for s in starts.values() if s > start), default=len(body))
        span = " ".join(body[start:end].split())
        out += [_row(p) for p in parts if not p.pattern.search(span)]
    return out


def _row(part: Part) -> dict:
    return {"section": part.number, "title": part.title, "weight": part.weight}


def weight_text(row: dict) -> str:
    """``7%``, or for a part the handout weighs only with its section, ``part of 15%``."""
    if row["weight"] is not None:
        return f"{row['weight']:.0%}"
    section = next(s for s, _ in SECTIONS if s.number == row["section"].split(".")[0])
    return f"part of {section.weight:.0%}"


def describe(row: dict) -> str:
    """``5.C weights and biases: not found (7%)``."""
    return f"{row['section']} {row['title']}: not found ({weight_text(row)})"
