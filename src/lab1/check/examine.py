"""One submission or one program checked from end to end: source, run, output, report, format.

Each step that fails is written into the record and the others still run: a zip that cannot
be read, a program that cannot be chosen, a report pypdf cannot open.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from lab1.check import parse, pdf, program, static, submission
from lab1.check.record import Record

COPY_IGNORED = shutil.ignore_patterns(*submission.SKIPPED_DIRS, ".*", "outputs")


def read_source(record: Record, root: Path, files: list[Path]) -> None:
    """Imports, forbidden imports, syntax errors and the generators of the student's files."""
    own = static.own_modules(files, root)
    found: list[static.Generator] = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        tree = static.read_tree(path)
        if tree is None:
            record.syntax_errors.append(rel)
            continue
        imports = static.imports(tree, rel)
        record.imports += [vars(i) for i in imports]
        record.forbidden_imports += [vars(i) for i in static.forbidden(imports, own)]
        found += static.generators(tree, rel)
    record.generators = static.verdicts(found)
    record.generator_details = [vars(g) for g in found]


def run_and_read(
    record: Record, entry: Path, space: program.Workspace, limits: program.Limits, figures: Path
) -> None:
    """Run the program, parse what it printed and keep its figures under ``figures``."""
    record.entry = entry.relative_to(space.work).as_posix()
    outcome = program.run(entry, space, limits)
    record.seconds = round(outcome.seconds, 3)
    record.ending = outcome.ending()
    if record.ending is not None:  # paths shown as in the submission, not in the temporary copy
        record.last_lines = [line.replace(f"{space.work}{os.sep}", "") for line in outcome.last_lines()]
    printed = parse.parse(outcome.stdout)
    record.runs = [run.summary() for run in printed.runs]
    record.skipped_count = printed.skipped_count
    record.skipped_lines = [{"line": n, "text": t} for n, t in printed.skipped]
    record.finish(outcome.returncode)
    record.figures = keep_figures(outcome.figures, figures)


MAX_FIGURES = 100  # kept per program (one that saves every frame of an animation keeps the first)


def keep_figures(pngs: list[Path], dest: Path) -> list[str]:
    """Copy the PNGs into ``dest``, each distinct image once; their paths from the check's directory."""
    seen: set[str] = set()
    kept: list[str] = []
    for png in pngs:
        if len(kept) == MAX_FIGURES:
            break
        digest = hashlib.sha256(png.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, dest / png.name)
        kept.append((dest / png.name).relative_to(dest.parent.parent).as_posix())
    return kept


def check_program(path: Path, entry: str | None, limits: program.Limits, out: Path) -> Record:
    """``run PATH``: a .py file (with the modules it imports beside it) or a directory of code."""
    record = Record(source=str(path), name=path.stem if path.is_file() else path.resolve().name)
    with program.workspace() as space:
        if path.is_file():
            for sibling in path.parent.glob("*.py"):
                shutil.copyfile(sibling, space.work / sibling.name)
            files = [space.work / path.name] + _imported(space.work, space.work / path.name)
            entry = path.name
        else:
            shutil.copytree(path, space.work, ignore=COPY_IGNORED, dirs_exist_ok=True)
            files = submission.sources(space.work)
        _check_code(record, space, files, entry, limits, out / "figures" / _folder(record))
    if path.is_file():
        record.entry_reason = "the file given"
    return record


def check_zip(archive: Path, entry: str | None, limits: program.Limits, out: Path) -> Record:
    """A hand-in zip: its name, its entries, its code run, its report read."""
    who = submission.read_name(archive.name)
    record = Record(source=str(archive), student_id=who.student_id, name=who.name, format_ok=True)
    problem = submission.name_problem(archive.name)
    record.format_problems += [problem] if problem else []
    with program.workspace() as space:
        unpacked = submission.unpack(archive, space.work)
        record.refused_entries = unpacked.refused
        record.format_problems += [
            f"entry {name!r} points outside the zip: refused" for name in unpacked.refused
        ]
        if unpacked.problem:
            record.format_problems.append(unpacked.problem)
            record.format_ok = False
            return record
        files = submission.sources(space.work)
        notebooks = [p.relative_to(space.work).as_posix() for p in submission.sources(space.work, "*.ipynb")]
        if not files and notebooks:  # source, but not a program lab1 can run as the student would
            record.notes.append(
                f"not run: {', '.join(notebooks)} is a notebook; export it as a .py file to run it"
            )
        elif not files:
            record.format_problems.append("no Python source in the zip")
        report, pdfs = submission.report(space.work)
        if report is None:
            found = ", ".join(p.name for p in pdfs)
            record.format_problems.append("no report.pdf" + (f" (PDFs: {found})" if pdfs else ""))
        else:
            read_report(record, report, space.work)
        record.format_ok = not record.format_problems
        if files:
            _check_code(record, space, files, entry, limits, out / "figures" / _folder(record))
    return record


def read_report(record: Record, report: Path, root: Path) -> None:
    """The missing sections of the report, or a note saying why it could not be read."""
    record.report = report.relative_to(root).as_posix()
    try:
        body = pdf.text(report)
    except pdf.MissingExtra:
        raise
    except Exception as err:  # noqa: BLE001 - pypdf's errors on a broken PDF are many; each is a note
        record.notes.append(f"{record.report} could not be read ({type(err).__name__}: {err})")
        return
    if not body.strip():
        record.notes.append(f"{record.report} holds no text (scanned pages?); its sections were not searched")
        return
    record.missing_sections = pdf.missing(body)


def _check_code(
    record: Record,
    space: program.Workspace,
    files: list[Path],
    entry: str | None,
    limits: program.Limits,
    figures: Path,
) -> None:
    read_source(record, space.work, files)
    chosen, why = submission.choose_entry(space.work, files, entry)
    record.entry_reason = why
    if chosen is None:
        record.notes.append(f"not run: {why}")
        return
    run_and_read(record, chosen, space, limits, figures)


def _imported(root: Path, entry: Path) -> list[Path]:
    """The modules beside ``entry`` that it imports, directly or through one another."""
    todo, seen = [entry], {entry}
    while todo:
        tree = static.read_tree(todo.pop())
        for imp in static.imports(tree, "") if tree else []:
            module = root / (imp.module.split(".")[0] + ".py")
            if module.is_file() and module not in seen:
                seen.add(module)
                todo.append(module)
    return sorted(seen - {entry})


def _folder(record: Record) -> str:
    """The figures' folder of one record: the zip's or program's name."""
    return Path(record.source).stem or "program"
