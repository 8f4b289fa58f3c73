"""A hand-in zip: its name (student ID and name), its safe extraction, its report and its program.

An entry that would land outside the extraction directory (``../``, an absolute path, a drive
letter) is refused and named, never written. So is a zip that unpacks to more than
``MAX_BYTES`` or ``MAX_ENTRIES``. ``__MACOSX/`` and hidden files are left out.
"""

from __future__ import annotations

import ast
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from lab1.check.handout import REPORT, ZIP_HINT, ZIP_NAME, ZIP_NAME_LOOSE
from lab1.check.static import HANDOUT, read_tree

MAX_BYTES = 500 * 2**20  # unpacked, per zip
MAX_ENTRIES = 10000
SKIPPED_DIRS = frozenset("__MACOSX __pycache__ .git .venv venv env .ipynb_checkpoints node_modules".split())


@dataclass(frozen=True)
class Name:
    """Who a zip's name says it is, and whether the name keeps the handout's pattern."""

    student_id: str
    name: str
    ok: bool


def read_name(file_name: str) -> Name:
    """``DL_LAB1_<studentID>_<name>.zip`` read exactly (leading zeros kept), else as closely as it can be."""
    exact = ZIP_NAME.match(file_name)
    if exact:
        return Name(exact["student_id"], exact["name"], True)
    loose = ZIP_NAME_LOOSE.match(file_name)
    if loose:
        return Name(loose["student_id"], loose["name"], False)
    return Name("", Path(file_name).stem, False)


def name_problem(file_name: str) -> str | None:
    """What is wrong with a zip's name, in words; None if it keeps the pattern."""
    return None if read_name(file_name).ok else f"name {file_name!r} is not {ZIP_HINT}"


@dataclass
class Unpacked:
    """What came out of a zip: the refused entries and a problem that stopped the extraction."""

    refused: list[str] = field(default_factory=list)
    problem: str | None = None


def _outside(name: str) -> bool:
    """Whether an entry's path would leave the directory it is extracted into."""
    path = name.replace("\\", "/")
    return path.startswith("/") or bool(re.match(r"^[A-Za-z]:", path)) or ".." in PurePosixPath(path).parts


def _skipped(name: str) -> bool:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return any(p in SKIPPED_DIRS or p.startswith(".") for p in parts)


def unpack(archive: Path, dest: Path) -> Unpacked:
    """Extract a zip into ``dest`` entry by entry, refusing those that point outside it."""
    out = Unpacked()
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            if len(infos) > MAX_ENTRIES or total > MAX_BYTES:
                out.problem = f"the zip unpacks to {len(infos)} files, {total / 2**20:.0f} MB: more than the check takes"
                return out
            for info in infos:
                if _outside(info.filename):
                    out.refused.append(info.filename)
                    continue
                if info.is_dir() or _skipped(info.filename):
                    continue
                target = dest / info.filename.replace("\\", "/")
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError) as err:
        out.problem = f"not a readable zip file ({type(err).__name__}: {err})"
    return out


def sources(root: Path, pattern: str = "*.py") -> list[Path]:
    """The student's Python files under ``root``, sorted, without hidden or tool directories."""
    found = [p for p in root.rglob(pattern) if p.is_file() and not _skipped(p.relative_to(root).as_posix())]
    return sorted(found)


def report(root: Path) -> tuple[Path | None, list[Path]]:
    """The report (``report.pdf``, else the one PDF) and every PDF found."""
    pdfs = sorted(p for p in root.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())
    named = [p for p in pdfs if p.name.lower() == REPORT]
    return (named[0] if named else pdfs[0] if len(pdfs) == 1 else None), pdfs


def _main_guard(tree: ast.Module) -> bool:
    return any(isinstance(n, ast.If) and "__main__" in ast.unparse(n.test) for n in tree.body)


def _calls_generator(tree: ast.Module) -> bool:
    calls = (n.func for n in ast.walk(tree) if isinstance(n, ast.Call))
    return any((f.id if isinstance(f, ast.Name) else getattr(f, "attr", "")) in HANDOUT for f in calls)


# Narrowing steps from every Python file to the one the student runs, in this order.
ENTRY_RULES: list[tuple[str, Callable[[Path, ast.Module], bool]]] = [
    ("it calls a generator", lambda p, t: _calls_generator(t)),
    ("it has an `if __name__ == '__main__':` block", lambda p, t: _main_guard(t)),
    ("it is main.py", lambda p, t: p.name == "main.py"),
]


def choose_entry(root: Path, files: list[Path], entry: str | None) -> tuple[Path | None, str]:
    """The program to run and why; None and the reason when there is none or no single one."""
    listed = ", ".join(p.relative_to(root).as_posix() for p in files) or "none"
    if entry is not None:
        chosen = [p for p in files if entry in (p.relative_to(root).as_posix(), p.name)]
        if len(chosen) == 1:
            return chosen[0], "--entry"
        return None, f"--entry {entry} matches {len(chosen)} of its Python files ({listed})"
    if len(files) == 1:
        return files[0], "the only Python file"
    trees = {p: read_tree(p) for p in files}
    candidates = [p for p in files if trees[p] is not None]
    for why, rule in ENTRY_RULES:
        narrowed = [p for p in candidates if rule(p, trees[p])]  # type: ignore[arg-type]
        if len(narrowed) == 1:
            return narrowed[0], why
        candidates = narrowed or candidates
    return None, f"no single program among its Python files ({listed}); choose one with --entry"
