"""What a check writes (``check.json``, ``check.csv``, ``check.md``) and shows on the terminal.

The table has one row per submission or program, sorted by student ID, with the columns a
grader reads first; ``check.md`` adds each one's details under it.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from lab1.check import pdf
from lab1.check.record import Record
from lab1.job.places import OUTPUTS, prune_empty_parents

OUT = Path(OUTPUTS) / "check"  # relative to where lab1 runs, as its other outputs
SHOWN_SKIPPED = 8  # skipped lines shown per record in check.md and the details


@contextmanager
def discarded_if_interrupted(out: Path) -> Iterator[None]:
    """Remove ``out`` (and the empty ``outputs/check/<date>`` above it) if Ctrl-C cuts the check."""
    try:
        yield
    except KeyboardInterrupt:
        shutil.rmtree(out, ignore_errors=True)
        prune_empty_parents(out)
        raise


def new_dir() -> Path:
    """``outputs/check/<date>/<time>/``, created."""
    out = Path.cwd() / OUT / datetime.now().strftime("%Y-%m-%d/%H-%M-%S-%f")
    out.mkdir(parents=True)
    return out


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.0%}" if x in (0.0, 1.0) else f"{x:.1%}"


def _yes(flag: bool | None) -> str:
    return "-" if flag is None else "yes" if flag else "NO"


def _generators(r: Record) -> str:
    """``intact``, or what is not: ``linear modified``, ``both missing``."""
    short = {"generate_linear": "linear", "generate_XOR_easy": "xor"}
    odd = {short.get(name, name): status for name, status in r.generators.items() if status != "intact"}
    if not r.generators or not odd:
        return "intact" if r.generators else "-"
    if len(odd) == len(r.generators) > 1 and len(set(odd.values())) == 1:
        return f"both {next(iter(odd.values()))}"
    return ", ".join(f"{name} {status}" for name, status in odd.items())


def _missing(r: Record) -> str:
    if r.missing_sections is None:
        return "-"
    return ", ".join(f"{m['section']} ({pdf.weight_text(m)})" for m in r.missing_sections) or "none"


# column -> how a record fills it; the one home of the table's columns.
COLUMNS: dict[str, Callable[[Record], str]] = {
    "student_id": lambda r: r.student_id,
    "name": lambda r: r.name,
    "format_ok": lambda r: _yes(r.format_ok),
    "status": lambda r: r.status,
    "passed": lambda r: _yes(r.passed) if r.status != "not_run" else "-",
    "linear": lambda r: _pct(r.accuracy("linear")),
    "xor": lambda r: _pct(r.accuracy("xor")),
    "forbidden": lambda r: ", ".join(sorted({i["module"] for i in r.forbidden_imports})) or "none",
    "generators": _generators,
    "missing": _missing,
    "unread": lambda r: str(r.skipped_count) if r.status != "not_run" else "-",  # printed lines not read
    "seconds": lambda r: "-" if r.seconds is None else f"{r.seconds:.1f}",
    "figures": lambda r: str(len(r.figures)),
}


def rows(records: list[Record]) -> list[list[str]]:
    """The table's cells, sorted by student ID (then source)."""
    ordered = sorted(records, key=lambda r: (r.student_id, r.source))
    return [[fill(r) for fill in COLUMNS.values()] for r in ordered]


def text_table(records: list[Record]) -> str:
    """The table as aligned plain text."""
    cells = [list(COLUMNS), *rows(records)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def md_table(records: list[Record]) -> str:
    """The table in Markdown."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows(records)]
    return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _run_line(i: int, run: dict) -> str:
    """``run 1 (linear): 100 predictions, accuracy 100% (printed: 100%), 5 loss lines, ...``."""
    loss = (
        f"{_plural(run['loss_lines'], 'loss line')}, epochs {run['first_epoch']}..{run['last_epoch']}, "
        f"loss {run['first_loss']} -> {run['last_loss']}"
        if run["loss_lines"]
        else "no loss lines"
    )
    below = " -- below 90%" if run["accuracy"] is not None and not run["passed"] else ""
    return (
        f"- run {i} ({run['dataset'] or 'dataset unknown'}): {_plural(run['predictions'], 'prediction')}, "
        f"accuracy {_pct(run['accuracy'])} (printed: {_pct(run['claimed_accuracy'])}), {loss}{below}"
    )


def details(r: Record) -> list[str]:
    """What a grader reads about one record, line by line (Markdown)."""
    who = f"{r.student_id} {r.name}" if r.student_id else r.name
    out = [f"### {who} (`{Path(r.source).name}`)", ""]
    out += [f"- format: {problem}" for problem in r.format_problems]
    out += (
        [f"- program: `{r.entry}` ({r.entry_reason}); {r.status}" + (f", {r.ending}" if r.ending else "")]
        if r.entry
        else []
    )
    out += [f"- note: {note}" for note in r.notes]
    out += [f"- forbidden import: `{i['module']}` at {i['file']}:{i['line']}" for i in r.forbidden_imports]
    out += [f"- not valid Python: {f}" for f in r.syntax_errors]
    for g in r.generator_details:
        where = f" (first difference at line {g['differs_at']})" if g["differs_at"] else ""
        out.append(f"- `{g['name']}` in {g['file']}:{g['line']}: {g['status']}{where}")
    out += [f"- `{name}`: missing" for name, status in r.generators.items() if status == "missing"]
    out += [_run_line(i, run) for i, run in enumerate(r.runs, start=1)]
    if r.skipped_count:
        out.append(f"- {r.skipped_count} printed lines not read, the first:")
        out += [
            f"    - line {s['line']}: `{s['text'].strip()[:120]}`" for s in r.skipped_lines[:SHOWN_SKIPPED]
        ]
    out += [f"- report `{r.report}`: {pdf.describe(m)}" for m in r.missing_sections or []]
    out += [f"- report `{r.report}`: every section and part found"] if r.missing_sections == [] else []
    if r.last_lines:
        out += ["- its last lines:", "", "```", *r.last_lines, "```"]
    out += [f"- figure: [{Path(f).name}]({f})" for f in r.figures]
    return out + [""]


def write(records: list[Record], out: Path) -> None:
    """check.json (a list in the table's order), check.csv and check.md in ``out``."""
    ordered = sorted(records, key=lambda r: (r.student_id, r.source))
    (out / "check.json").write_text(json.dumps([asdict(r) for r in ordered], indent=2) + "\n")
    with open(out / "check.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(list(COLUMNS))
        writer.writerows(rows(records))
    body = ["# lab1.check", "", md_table(records), "", "## Details", ""]
    for r in ordered:
        body += details(r)
    (out / "check.md").write_text("\n".join(body))
