"""What a student's source holds, read as syntax trees and never run: its imports and its two generators.

The rules (which imports are forbidden; which differences leave a generator ``intact``) are
docs/check.md's "Static findings".
"""

from __future__ import annotations

import ast
import copy
import sys
from dataclasses import dataclass
from pathlib import Path

from lab1.check.handout import ALLOWED_PACKAGES, GENERATORS

STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}
INTACT, MODIFIED, MISSING = "intact", "modified", "missing"
BODIES = ("body", "orelse", "finalbody")  # the fields of a statement that hold statements


@dataclass(frozen=True)
class Import:
    """One imported module, where."""

    module: str
    file: str
    line: int


def read_tree(path: Path) -> ast.Module | None:
    """The file's syntax tree, or None when it is not valid Python."""
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError):
        return None


def imports(tree: ast.Module, file: str) -> list[Import]:
    """Every absolute import of a tree, in line order (relative ones are the student's own)."""
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, file, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(Import(node.module, file, node.lineno))
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            found.append(Import(node.args[0].value, file, node.lineno))  # type: ignore[attr-defined]
    return sorted(found, key=lambda i: i.line)


def _dynamic_import(call: ast.Call) -> bool:
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
    literal = (
        bool(call.args) and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
    )
    return name in ("__import__", "import_module") and literal


def forbidden(found: list[Import], own: set[str]) -> list[Import]:
    """The imports outside the standard library, numpy, matplotlib and the student's own modules."""
    allowed = STDLIB | ALLOWED_PACKAGES | own
    return [i for i in found if i.module.split(".")[0] not in allowed]


def own_modules(files: list[Path], root: Path) -> set[str]:
    """Names the student's files can be imported by: every .py file's stem and every directory's name."""
    names = {f.stem for f in files}
    for f in files:
        names |= set(f.relative_to(root).parts[:-1])
    return names


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> module for every ``import a as b`` of a tree."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                out[alias.asname or top] = alias.name if alias.asname else top
    return out


class _Normalise(ast.NodeTransformer):
    """Rename modules to their full names and every other local name to its order of first use."""

    def __init__(self, modules: dict[str, str], local: set[str]) -> None:
        self.modules, self.local, self.names = modules, local, {}  # type: dict[str, str], set[str], dict[str, str]

    def _rename(self, name: str) -> str:
        if name in self.modules and name not in self.local:
            return "module:" + self.modules[name]
        if name in self.local:
            return self.names.setdefault(name, f"local{len(self.names)}")
        return name

    def visit_Name(self, node: ast.Name) -> ast.Name:
        node.id = self._rename(node.id)
        return node

    def visit_arg(self, node: ast.arg) -> ast.arg:
        node.arg = self._rename(node.arg)
        node.annotation = None
        return node


def _stored(fn: ast.FunctionDef) -> set[str]:
    stored = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return stored | {a.arg for a in fn.args.args}


def _drop_unread(fn: ast.FunctionDef) -> None:
    """Remove, until none is left, assignments to plain names the function never reads, at any depth."""
    while True:
        read = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        if not _drop_from(fn, read):
            return


def _drop_from(node: ast.AST, read: set[str]) -> bool:
    """Drop the unread assignments from every body under ``node``; whether any was dropped."""
    dropped = False
    for name in BODIES:
        body = getattr(node, name, None)
        if not isinstance(body, list):
            continue
        keep = [s for s in body if not _unread_assignment(s, read)]
        dropped |= len(keep) != len(body)
        setattr(node, name, keep or [ast.Pass()])
        for stmt in keep:
            dropped |= _drop_from(stmt, read)
    return dropped


def _unread_assignment(stmt: ast.stmt, read: set[str]) -> bool:
    """An assignment of a call-free value to names never read (a call could draw random numbers)."""
    return (
        isinstance(stmt, ast.Assign)
        and all(isinstance(t, ast.Name) and t.id not in read for t in stmt.targets)
        and not any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Await)) for n in ast.walk(stmt.value))
    )


def _strip(body: list[ast.stmt]) -> list[ast.stmt]:
    """A body without its docstring and without import statements at any depth."""
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            body = body[1:]
    out = []
    for stmt in body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        for name in BODIES:
            if isinstance(getattr(stmt, name, None), list):
                setattr(stmt, name, _strip(getattr(stmt, name)) or [ast.Pass()])
        out.append(stmt)
    return out


def normalised(fn: ast.FunctionDef, modules: dict[str, str]) -> ast.FunctionDef:
    """A copy of the function with the harmless differences taken out (line numbers kept)."""
    fn = copy.deepcopy(fn)
    modules = {**modules, **_aliases(fn)}
    fn.body = _strip(fn.body)
    if fn.args.args and fn.args.args[0].arg in ("self", "cls"):
        fn.args.args = fn.args.args[1:]
    fn.decorator_list = [
        d for d in fn.decorator_list if not (isinstance(d, ast.Name) and d.id == "staticmethod")
    ]
    _drop_unread(fn)
    return _Normalise(modules, _stored(fn)).visit(fn)


def _dumped(value: object) -> object:
    if isinstance(value, ast.AST):
        return ast.dump(value)
    return [_dumped(v) for v in value] if isinstance(value, list) else value


def _line(node: ast.AST) -> int:
    return int(getattr(node, "lineno", 0))


def first_difference(theirs: ast.AST, ours: ast.AST) -> int | None:
    """The line of the student's first statement that differs from the handout's; None if none does."""
    if ast.dump(theirs) == ast.dump(ours):
        return None
    head = [(k, _dumped(v)) for k, v in ast.iter_fields(theirs) if k not in BODIES]
    if type(theirs) is not type(ours) or head != [
        (k, _dumped(v)) for k, v in ast.iter_fields(ours) if k not in BODIES
    ]:
        return _line(theirs)
    for name in BODIES:
        a, b = getattr(theirs, name, []), getattr(ours, name, [])
        for x, y in zip(a, b):
            line = first_difference(x, y)
            if line is not None:
                return line
        if len(a) != len(b):
            return _line(a[len(b)] if len(a) > len(b) else a[-1] if a else theirs)
    return _line(theirs)


def _handout() -> dict[str, ast.FunctionDef]:
    tree = ast.parse(GENERATORS)
    return {f.name: normalised(f, {}) for f in tree.body if isinstance(f, ast.FunctionDef)}


HANDOUT = _handout()


@dataclass(frozen=True)
class Generator:
    """One definition of a handout generator and how it compares."""

    name: str
    file: str
    line: int
    status: str  # intact or modified
    differs_at: int | None  # the line of the student's first statement that differs


def generators(tree: ast.Module, file: str) -> list[Generator]:
    """Every definition of the handout's generators in a tree, each compared with the handout's."""
    modules = _aliases(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in HANDOUT:
            line = first_difference(normalised(node, modules), HANDOUT[node.name])
            out.append(Generator(node.name, file, node.lineno, MODIFIED if line else INTACT, line))
    return sorted(out, key=lambda g: g.line)


def verdicts(found: list[Generator]) -> dict[str, str]:
    """Each handout generator's status: intact only when every definition of it is intact."""
    out = {}
    for name in HANDOUT:
        mine = [g.status for g in found if g.name == name]
        out[name] = MISSING if not mine else MODIFIED if MODIFIED in mine else INTACT
    return out
