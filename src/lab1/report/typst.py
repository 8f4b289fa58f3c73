"""Render the report's blocks as Typst and compile ``report.pdf`` with the ``typst`` wheel (own fonts,
no TeX). The PDF appears only once complete; one Typst rejects leaves none and raises ``PdfError``.
"""

from __future__ import annotations

import re
from pathlib import Path

import typst as typst_compiler

from lab1.job.artifacts import atomic_write
from lab1.job.plots import PRINT_WIDTH
from lab1.report.blocks import Block, Code, Figure, Front, Heading, Math, Para, Row, Table, Terminal

SPECIAL = re.compile(r"([\\#$*_@<>\[\]~/=+`'\"-])")
INLINE = re.compile(r"(`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*|@[A-Za-z][\w-]*)")

# The text is PRINT_WIDTH wide, as every figure is drawn, so figures print at their own size. A figure
# stays in place unless it is taller than a third of a page: then it floats, never past its section.
PREAMBLE = """#set document({metadata})
#set page(paper: "a4", margin: (x: (210mm - {width}in) / 2, y: 2.2cm), numbering: "1")
#set text(size: 10pt, hyphenate: false)
#show figure.where(kind: raw): set align(left)
#set par(justify: true)
#show table: set par(justify: false)
#show raw: set text(size: 8pt)
#set heading(numbering: (..n) => {{
  let n = n.pos()
  if n.len() == 1 {{ numbering("1", ..n) }} else if n.len() == 2 {{ numbering("A.", n.at(1)) }}
}})
#show figure.caption: set text(size: 9pt)
"""
TERMINAL = (
    'block(fill: rgb("#1f2430"), inset: 8pt, radius: 3pt, width: 100%, text(fill: rgb("#e6e6e6"), {body}))'
)
TWO_COLUMNS = 30  # a longer terminal listing is set in two columns,
BALANCED = 60  # split in halves up to this many lines (it fits a page); longer, flowing across pages


class PdfError(RuntimeError):
    """Typst could not typeset the report; the message names the problem in one line."""


def escape(text: str) -> str:
    """Plain text as Typst markup that shows it as it is."""
    return SPECIAL.sub(r"\\\1", text)


def string(text: str) -> str:
    """A Typst string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def inline(text: str) -> str:
    """Markdown-flavoured text (`code`, **bold**, *emphasis*, @label) as Typst markup."""
    out = []
    for part in INLINE.split(text):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"#raw({string(part[1:-1])})")
        elif part.startswith("**") and part.endswith("**") and len(part) > 3:
            out.append(f"#strong[{escape(part[2:-2])}]")
        elif part.startswith("*") and part.endswith("*") and len(part) > 1:
            out.append(f"#emph[{escape(part[1:-1])}]")
        elif part.startswith("@"):
            out.append(part)
        else:
            out.append(escape(part))
    return "".join(out)


def _table(b: Table) -> str:
    cells = [f"[{inline(str(c))}]" for c in b.frame.columns]
    body = [f"[{inline(str(v))}]" for row in b.frame.itertuples(index=False) for v in row]
    n = len(b.frame.columns)
    return (
        f"#figure(text(size: 7.5pt)[#table(columns: {n}, align: left, inset: 3pt, "
        f"table.header({', '.join(cells)}), {', '.join(body)})], caption: [{inline(b.caption)}]) <{b.label}>"
    )


def _terminal(b: Terminal) -> str:
    """A command and its output, light on dark; long output in two columns."""
    lines = [f"$ {b.command}", *b.lines]
    if len(lines) <= TWO_COLUMNS:
        body = f"raw(block: true, {string(chr(10).join(lines))})"
    elif len(lines) <= BALANCED:
        half = (len(lines) + 1) // 2
        left, right = (f"raw(block: true, {string(chr(10).join(p))})" for p in (lines[:half], lines[half:]))
        body = f"grid(columns: 2, column-gutter: 12pt, {left}, {right})"
    else:
        body = f"columns(2, gutter: 12pt, raw(block: true, {string(chr(10).join(lines))}))"
    figure = f"#figure({TERMINAL.format(body=body)}, kind: raw, caption: [{inline(b.caption)}]) <{b.label}>"
    return f"#[#show figure: set block(breakable: true)\n{figure}]"  # only a terminal breaks across pages


def _block(b: Block) -> str:
    """One block's markup."""
    if isinstance(b, Heading):
        flush = "#place.flush()\n" if b.level == 1 else ""  # a section's floats stay in it
        if b.level >= 3 or not b.numbered:
            return f"{flush}#heading(level: {b.level}, numbering: none)[{inline(b.text)}]"
        return f"{flush}{'=' * b.level} {inline(b.text)}" + (f" <{b.label}>" if b.label else "")
    if isinstance(b, Para):
        return inline(b.text)
    if isinstance(b, Math):
        return f"$ {b.typst} $"
    if isinstance(b, Figure):
        placement = "auto" if b.float else "none"
        return f"#figure(image({string(b.path)}), placement: {placement}, caption: [{inline(b.caption)}]) <{b.label}>"
    if isinstance(b, Row):
        cells = ", ".join(f"[{_block(f)}]" for f in b.figures)
        return f"#grid(columns: {len(b.figures)}, column-gutter: 8pt, {cells})"
    if isinstance(b, Table):
        return _table(b)
    if isinstance(b, Code):
        code = f'raw(block: true, lang: "python", {string(b.text.rstrip())})'
        return f"#figure({code}, caption: [{inline(b.caption)}]) <{b.label}>"
    if isinstance(b, Terminal):
        return _terminal(b)
    raise TypeError(f"no Typst form for {type(b).__name__}")


def metadata(front: Front) -> str:
    """The PDF's title, author and (as a keyword) the student ID."""
    fields = [f"title: {string(front.title)}"]
    if front.author:
        fields.append(f"author: ({string(front.author)},)")
    if front.student_id:
        fields.append(f"keywords: ({string('student ID ' + front.student_id)},)")
    return ", ".join(fields)


def render(blocks: list[Block], front: Front) -> str:
    """The whole Typst document: title, name and ID, contents with page numbers, then the blocks."""
    parts = [
        PREAMBLE.format(metadata=metadata(front), width=f"{PRINT_WIDTH:.4f}"),
        f'#align(center)[#text(size: 17pt, weight: "bold")[{escape(front.title)}]]',
        *(f"#align(center)[#text(size: 12pt)[{escape(line)}]]" for line in front.lines()),
        "#outline(depth: 2)",
    ]
    parts += [_block(b) for b in blocks]
    return "\n\n".join(parts) + "\n"


def compile_pdf(source: str, out: Path) -> Path:
    """Write ``report.typ`` and compile it to ``report.pdf`` beside it, atomically."""
    typ, pdf = out / "report.typ", out / "report.pdf"
    typ.write_text(source)
    pdf.unlink(missing_ok=True)  # a PDF of an earlier call must not pass for this one's
    try:
        atomic_write(pdf, lambda tmp: typst_compiler.compile(str(typ), output=str(tmp), root=str(out)))
    except typst_compiler.TypstError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise PdfError(f"Typst rejected {typ}: {first}") from None
    return pdf
