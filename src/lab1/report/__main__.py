"""``python -m lab1.report``: run what is missing of the report's sweeps, then write the report.

Sweeps go to ``<out>/sweeps/<fidelity>/NAME`` (``runner``); the report to ``<out>/report.md`` and
``report.pdf``, figures beside them (``document``).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import NoReturn

from lab1 import interrupt
from lab1.job import console
from lab1.report.document import SWEEPS, write_report
from lab1.report.replay import ReplayError
from lab1.report.runner import run_sweeps
from lab1.report.typst import PdfError
from lab1.sweep.results import load_sweep

INTERRUPTED = "lab1.report: interrupted; every finished run is kept (run the same command again)"


class Parser(argparse.ArgumentParser):
    """argparse with whole option names only (``--epoch`` is not ``--epochs``) and one-line errors."""

    def error(self, message: str) -> NoReturn:
        """``lab1.report: error: MESSAGE``, exit 2; an unknown option names the nearest one."""
        words = message.split(": ", 1)[-1].split() if message.startswith("unrecognized") else []
        options = [o for a in self._actions for o in a.option_strings if o.startswith("--")]
        close = [
            m
            for w in words
            if w.startswith("-")
            for m in difflib.get_close_matches(w, options, n=1, cutoff=0.75)
        ]
        hint = f"; did you mean {close[0]}?" if close else f"; the options are {', '.join(options)}"
        self.exit(2, f"lab1.report: error: {message}{hint if words else ''}\n")


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Command-line flags."""
    p = Parser(prog="python -m lab1.report", description=__doc__.splitlines()[0], allow_abbrev=False)
    p.add_argument("--epochs", type=int, default=20000, help="epochs of every run (default 20000)")
    p.add_argument("--seeds", type=int, default=5, help="seeds 0..N-1 per setting (default 5)")
    p.add_argument("--out", type=Path, default=Path("outputs/report"), help="report directory")
    p.add_argument(
        "--launcher", default=None, help="launcher of the sweeps: vectorized (default), basic, joblib, ..."
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=2,
        help="sweeps run at a time (default 2; each sweep also uses every core)",
    )
    p.add_argument("--fresh", action="store_true", help="retrain every run instead of reusing finished ones")
    p.add_argument("--no-pdf", action="store_true", help="write report.md only, not report.pdf")
    p.add_argument("--author", default="", help="your name, on the title page and in the PDF's metadata")
    p.add_argument("--student-id", default="", help="your student ID, on the title page and in the metadata")
    args = p.parse_args(argv)
    for flag in ("epochs", "jobs", "seeds"):
        if getattr(args, flag) < 1:
            p.error(f"--{flag} {getattr(args, flag)}: must be an integer >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the missing sweeps, collect them, write the report."""
    console.protect_stdout()
    args = parse(argv)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    base = out / "sweeps" / f"epochs{args.epochs}_seeds{args.seeds}"
    run_sweeps(base, list(SWEEPS), args)
    sweeps = {name: load_sweep(base / name) for name in SWEEPS}
    try:
        paths = write_report(sweeps, out, args, pdf=not args.no_pdf)
    except ReplayError as err:  # a run trained again is not the run: nothing is written
        print(f"lab1.report: error: {err}", file=sys.stderr)
        return 1
    except PdfError as err:  # report.md and the figures are written; the PDF is not
        print(f"lab1.report: wrote {out / 'report.md'}")
        print(f"lab1.report: error: {err}", file=sys.stderr)
        return 1
    print(f"lab1.report: wrote {', '.join(str(p) for p in paths)}")
    return 0


def cli() -> None:
    """``main`` with Ctrl-C, at any point, as one line and exit 130."""
    with interrupt.ends_with(INTERRUPTED):
        code = main()
    sys.exit(code)


if __name__ == "__main__":
    cli()
