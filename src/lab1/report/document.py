"""The report in the handout's six sections and a colophon, written as ``report.md`` and ``report.pdf``."""

from __future__ import annotations

import argparse
from pathlib import Path

from lab1.report import discussion, implementation, markdown, results, typst
from lab1.report.blocks import Block, Front, Heading, Para
from lab1.sweep.results import Sweep

TITLE = "Lab 1: back-propagation"
SWEEPS = discussion.SWEEPS  # every sweep the report reads, the baseline first


def colophon(args: argparse.Namespace, runs: int) -> list[Block]:
    """How the report was made, in one short paragraph at the end."""
    command = f"python -m lab1.report --epochs {args.epochs} --seeds {args.seeds}"
    return [
        Heading(1, "Colophon", "colophon", numbered=False),
        Para(
            f"Written by `{command}` from {runs} runs of the sweeps in lab1's `sweeps/`, and typeset "
            "with Typst. `python -m lab1.rerun` trains any of the runs again from its saved config."
        ),
    ]


def blocks(sweeps: dict[str, Sweep], out: Path, args: argparse.Namespace) -> list[Block]:
    """Every section, in the handout's order, then the colophon."""
    baseline = sweeps["baseline"]
    runs = sum(len(s.table) for s in sweeps.values())
    first = next(iter(results.first_runs(baseline).values()), None)
    optims = sorted(str(o) for o in sweeps["optimizers"].table.get("optim", []))
    body: list[Block] = results.introduction(baseline, runs, args.seeds, args.epochs, out)
    if first is not None:
        cfg = results.job_config(baseline, first)
        body += implementation.section(cfg, int(first["n_params"]), optims, out)
        body += results.experimental_results(baseline, out)
    body += discussion.discussion(sweeps, out)
    body += discussion.questions(sweeps, out)
    body += discussion.extra(sweeps, out)
    return [*body, *colophon(args, runs)]


def write_report(
    sweeps: dict[str, Sweep], out: Path, args: argparse.Namespace, pdf: bool = True
) -> list[Path]:
    """Write report.md, then report.pdf unless ``pdf`` is off (typst.PdfError if Typst rejects it)."""
    doc = blocks(sweeps, out, args)
    front = Front(TITLE, args.author, args.student_id)
    md = out / "report.md"
    md.write_text(markdown.render(doc, front))
    if not pdf:
        (out / "report.pdf").unlink(missing_ok=True)
        return [md]
    return [md, typst.compile_pdf(typst.render(doc, front), out)]
