"""Render the report's blocks as Markdown (``report.md``), for a browser or a forge."""

from __future__ import annotations

import re

from lab1.report.blocks import Block, Code, Figure, Front, Heading, Math, Para, Row, Table, Terminal
from lab1.sweep.summary import markdown

KINDS = {Figure: "Figure", Table: "Table", Code: "Listing", Terminal: "Listing"}  # how a reference reads


def flat(blocks: list[Block]) -> list[Block]:
    """The blocks with each ``Row`` replaced by its figures."""
    return [f for b in blocks for f in (b.figures if isinstance(b, Row) else (b,))]


def numbers(blocks: list[Block]) -> dict[str, str]:
    """``label -> "Figure 3"``: each kind numbered in order, as Typst numbers them."""
    out: dict[str, str] = {}
    count: dict[str, int] = {}
    for b in flat(blocks):
        kind = KINDS.get(type(b))
        if kind is not None:
            count[kind] = count.get(kind, 0) + 1
            out[b.label] = f"{kind} {count[kind]}"  # type: ignore[union-attr]
    return out


def _section_numbers(blocks: list[Block]) -> dict[int, str]:
    """``id(heading) -> "2"`` for a section, ``"B."`` for a subsection, as the handout numbers them."""
    out: dict[int, str] = {}
    top = sub = 0
    for b in blocks:
        if not isinstance(b, Heading) or not b.numbered:
            continue
        if b.level == 1:
            top, sub = top + 1, 0
            out[id(b)] = f"{top}"
        elif b.level == 2:
            sub += 1
            out[id(b)] = f"{chr(ord('A') + sub - 1)}."
    return out


def render(blocks: list[Block], front: Front) -> str:
    """The whole document."""
    refs = numbers(blocks)
    heads = _section_numbers(blocks)

    def text(s: str) -> str:
        return re.sub(r"@([A-Za-z][\w-]*)", lambda m: refs.get(m.group(1), m.group(0)), s)

    def caption(b: Figure | Table | Code | Terminal) -> str:
        return f"*{refs[b.label]}: {text(b.caption)}*"

    lines = [f"# {front.title}", "", *(f"**{line}**  " for line in front.lines()), ""]
    for b in flat(blocks):
        if isinstance(b, Heading):
            number = heads.get(id(b))
            prefix = "#" * (b.level + 1)
            lines += [f"{prefix} {number + ' ' if number else ''}{b.text}", ""]
        elif isinstance(b, Para):
            lines += [text(b.text), ""]
        elif isinstance(b, Math):
            lines += ["$$", b.latex, "$$", ""]
        elif isinstance(b, Figure):
            lines += [f"![{b.caption}]({b.path})", "", caption(b), ""]
        elif isinstance(b, Table):
            lines += [caption(b), "", markdown(b.frame), ""]
        elif isinstance(b, Code):
            lines += [caption(b), "", "```python", b.text.rstrip(), "```", ""]
        elif isinstance(b, Terminal):
            lines += [caption(b), "", "```console", f"$ {b.command}", *b.lines, "```", ""]
    return "\n".join(lines)
