"""``python -m lab1.check``: check a student's gradients, program, hand-in zip, or a class of zips.

    python -m lab1.check grad ADAPTER.py [key=value ...]   # gradients against lab1's
    python -m lab1.check run PATH [--entry FILE]           # a program (.py file or directory)
    python -m lab1.check SUBMISSION.zip                    # a hand-in
    python -m lab1.check DIR/                              # every zip in DIR, in parallel

Each check writes outputs/check/<date>/<time>/ where it runs, and prints that path last.
Exit codes: grad 0 everything agrees, 1 something differs, 2 bad adapter or input; the others 0
when the check ran (whatever it found), 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from lab1 import interrupt
from lab1.check import batch, examine, pdf, results
from lab1.check.program import Limits
from lab1.check.record import Record
from lab1.job.console import protect_stdout

PROG = "lab1.check"


class Refused(Exception):
    """Bad input: one line, exit 2."""


class Stopped(Exception):
    """Ctrl-C: one line, exit 130."""


class Parser(argparse.ArgumentParser):
    """argparse with whole option names only and one-line errors."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(allow_abbrev=False, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        raise Refused(f"{message} (see python -m {self.prog} --help)")


def _limits(parser: Parser) -> None:
    parser.add_argument("--entry", help="the file to run, relative to the submission (default: found)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a program may run (600)")
    parser.add_argument(
        "--memory", type=int, default=4096, help="MB of address space a program may use (4096)"
    )


def _report(records: list[Record], out: Path) -> int:
    """Write the results, show them (one record's details too) and print where they are, last."""
    results.write(records, out)
    if len(records) == 1:
        print("\n".join(results.details(records[0])).rstrip() + "\n")
    print(results.text_table(records))
    print(f"lab1: wrote {_shown(out)}")
    return 0


def run_command(argv: list[str]) -> int:
    """``run PATH``: one program."""
    parser = Parser(prog=f"{PROG} run", description="Run a student's program and read what it prints.")
    parser.add_argument("path", type=Path, help="a .py file, or a directory holding the student's code")
    _limits(parser)
    args = parser.parse_args(argv)
    if not (args.path.is_dir() or (args.path.is_file() and args.path.suffix == ".py")):
        raise Refused(f"{args.path}: not a .py file or a directory")
    if args.path.is_file() and args.entry:
        raise Refused("--entry picks a file inside a directory; give the .py file itself instead")
    limits = _checked_limits(args)
    out = results.new_dir()
    with results.discarded_if_interrupted(out):
        return _report([examine.check_program(args.path, args.entry, limits, out)], out)


def _checked_limits(args: argparse.Namespace) -> Limits:
    if not 0 < args.timeout < math.inf or args.memory < 64:
        raise Refused(
            f"--timeout {args.timeout:g} --memory {args.memory}: a timeout > 0 s and at least 64 MB"
        )
    return Limits(args.timeout, args.memory)


def submissions_command(argv: list[str]) -> int:
    """``ZIP`` or ``DIR``: hand-ins."""
    parser = Parser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, help="a hand-in zip, or a directory of them (or: grad, run)")
    _limits(parser)
    parser.add_argument("--jobs", type=int, default=batch.cores(), help="zips checked at once (the cores)")
    args = parser.parse_args(argv)
    if args.path.is_dir():
        zips = sorted(p for p in args.path.iterdir() if p.suffix.lower() == ".zip" and p.is_file())
        if not zips:
            raise Refused(f"{args.path} holds no .zip files")
    elif args.path.is_file() and args.path.suffix.lower() == ".zip":
        zips = [args.path]
    else:
        raise Refused(f"{args.path}: not a .zip file or a directory of them (grad and run are the commands)")
    if args.jobs < 1:
        raise Refused(f"--jobs {args.jobs}: at least 1")
    limits = _checked_limits(args)
    pdf.require_pypdf()
    out = results.new_dir()
    if len(zips) == 1:
        with results.discarded_if_interrupted(out):
            return _report([batch.check_one(zips[0], args.entry, limits, out)], out)
    try:
        return _report(batch.check_class(zips, args.entry, limits, out, args.jobs), out)
    except batch.Interrupted as stop:  # what was checked is kept
        results.write(stop.records, out)
        raise Stopped(
            f"interrupted; the {len(stop.records)} of {len(zips)} zips checked are in {_shown(out)}"
        ) from None


def grad_command(argv: list[str]) -> int:
    """``grad ADAPTER.py [overrides]``: 0 agrees, 1 differs, 2 bad adapter."""
    from lab1.check import adapter, grad, hints  # Hydra's and lab1.config's imports: for grad only
    from lab1.config import ConfigError

    parser = Parser(prog=f"{PROG} grad", description="Compare an adapter's gradients with lab1's.")
    parser.add_argument("adapter", type=Path, help="a .py file defining loss_and_grads(params, x, y)")
    parser.add_argument(
        "overrides", nargs="*", help="python -m lab1's keys: " + ", ".join(grad.KEYS + ("dataset",))
    )
    args = parser.parse_args(argv)
    if not (args.adapter.is_file() and args.adapter.suffix == ".py"):
        raise Refused(f"{args.adapter}: no such .py file")
    try:
        s = grad.setup(grad.compose(args.overrides))
    except ConfigError as err:
        raise Refused(str(err)) from None
    try:
        result = grad.compare(adapter.load(args.adapter), s)
    except adapter.AdapterError as err:
        raise Refused(f"bad adapter: {err}") from None
    net = "-".join(str(p.shape[0]) for k, p in s.params.items() if k.startswith("W")) + "-1"
    print(
        f"{args.adapter.name} on {s.cfg.dataset.name} ({len(s.y)} samples), {net}, {s.cfg.activation}/"
        f"{s.cfg.output_activation}, loss={s.cfg.loss}, seed={s.cfg.seed}"
    )
    print(f"loss: yours {result.loss:.10g}, lab1's {s.loss:.10g}, relative error {result.loss_rel:.2e}\n")
    print(hints.table(result) + "\n")
    words = hints.explain(result)
    print("\n".join(words))
    out = results.new_dir()
    (out / "grad.json").write_text(json.dumps(_grad_json(args, result, words), indent=2) + "\n")
    print(f"lab1: wrote {_shown(out)}")
    return 0 if result.agrees else 1


def _grad_json(args: argparse.Namespace, r: Any, words: list[str]) -> dict:
    """grad.json: the loss, each parameter's row (a ``grad.Result``'s) and the verdict."""
    return {
        "adapter": str(args.adapter),
        "overrides": args.overrides,
        "loss": r.loss,
        "lab1_loss": r.setup.loss,
        "loss_relative_error": r.loss_rel,
        "agrees": r.agrees,
        "parameters": [vars(row) for row in r.rows],
        "verdict": words,
    }


def _shown(path: Path) -> str:
    return str(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)


COMMANDS: dict[str, Callable[[list[str]], int]] = {"grad": grad_command, "run": run_command}


def main(argv: list[str] | None = None) -> int:
    """Dispatch on the first word (grad, run), else check zips; bad input is one line and exit 2."""
    protect_stdout()
    interrupt.install()
    argv = sys.argv[1:] if argv is None else argv
    command = COMMANDS.get(argv[0], submissions_command) if argv else submissions_command
    try:
        return command(argv[1:] if command is not submissions_command else argv)
    except (Refused, pdf.MissingExtra) as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except (Stopped, KeyboardInterrupt) as err:
        print(f"{PROG}: {err or 'interrupted'}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
