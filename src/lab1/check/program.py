"""A student's program run as the student would (``python FILE``), in a child process with limits.

Untrusted code: never imported here; run in a temporary copy, its own session (the whole
process group is killed at the end), with the limits and stripped environment docs/check.md
lists, output to files. Not a sandbox: it can read and write what the user can.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab1.check import hook

KEPT_ENV = ("PATH", "HOME", "LANG")  # of the caller's environment, nothing else
# what Python needs there, by os.name
NEEDED_ENV = {"nt": ("SYSTEMROOT", "TEMP", "TMP", "PATHEXT", "COMSPEC", "USERPROFILE")}
CHILD_ENV = {
    "MPLBACKEND": "Agg",  # figures are drawn to files, no window waits for a click
    "PYTHONUNBUFFERED": "1",  # every line reaches the file as printed, also before a hang is killed
    "PYTHONIOENCODING": "utf-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "OMP_NUM_THREADS": "1",  # one core per program: a class is checked one program per core
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
LAST_LINES = 15  # of a crash's output, kept to show


@dataclass(frozen=True)
class Limits:
    """What a program may use: seconds of wall time, MB of address space (None: no limit), MB of output."""

    timeout: float = 600.0
    memory_mb: int | None = 4096
    output_mb: int = 64


@dataclass
class Outcome:
    """How the program ended and what it left."""

    returncode: int | None  # None: stopped at the time limit
    seconds: float
    stdout: str
    stderr: str
    figures: list[Path] = field(default_factory=list)

    def ending(self) -> str | None:
        """How it ended, in words, unless it exited with 0."""
        if self.returncode is None:
            return f"stopped at the time limit after {self.seconds:.0f} s"
        if self.returncode < 0:
            name = signal.Signals(-self.returncode).name if -self.returncode in signal.valid_signals() else ""
            why = {
                "SIGXFSZ": ": it printed or wrote more than the output limit",
                "SIGKILL": ": out of memory?",
            }
            return f"killed by signal {-self.returncode} {name}{why.get(name, '')}".rstrip()
        return f"exited with code {self.returncode}" if self.returncode else None

    def last_lines(self) -> list[str]:
        """The last lines of its error output (of its output if that is empty)."""
        text = self.stderr if self.stderr.strip() else self.stdout
        return text.rstrip().splitlines()[-LAST_LINES:]


@dataclass(frozen=True)
class Workspace:
    """A temporary directory: ``work/`` the copy of the code, ``site/`` the hook, ``figures/`` the PNGs."""

    root: Path
    work: Path
    figures: Path


@contextmanager
def workspace() -> Iterator[Workspace]:
    """A fresh workspace, removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="lab1-check-"))
    try:
        for name in ("work", "site", "figures"):
            (root / name).mkdir()
        shutil.copyfile(hook.__file__, root / "site" / "sitecustomize.py")
        yield Workspace(root, root / "work", root / "figures")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def child_env(space: Workspace) -> dict[str, str]:
    """The stripped environment of a student's program."""
    keep = KEPT_ENV + NEEDED_ENV.get(os.name, ())
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    return {
        **env,
        **CHILD_ENV,
        "PYTHONPATH": str(space.root / "site"),
        "LAB1_CHECK_FIGURES": str(space.figures),
    }


def _limiter(limits: Limits) -> Callable[[], None] | None:
    """What the child runs before ``python``: its resource limits (POSIX only)."""
    try:
        import resource
    except ImportError:  # Windows: only the time limit applies
        return None

    def apply() -> None:
        wanted = [(resource.RLIMIT_FSIZE, limits.output_mb)]
        if limits.memory_mb is not None:
            wanted.append((resource.RLIMIT_AS, limits.memory_mb))
        for kind, mb in wanted:
            with suppress(ValueError, OSError):  # a hard limit below it, or not enforced here (macOS)
                resource.setrlimit(kind, (mb * 2**20, mb * 2**20))

    return apply


def _kill_all(proc: subprocess.Popen) -> None:
    """End the program and every process it started (its whole session on POSIX)."""
    with suppress(ProcessLookupError, PermissionError):
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()


def _read(path: Path, limit_mb: int) -> str:
    with open(path, "rb") as f:
        return f.read(limit_mb * 2**20).decode("utf-8", errors="replace")


def run(entry: Path, space: Workspace, limits: Limits) -> Outcome:
    """Run ``python ENTRY`` (a file under ``space.work``) from its directory; wait at most the limit."""
    out_path, err_path = space.root / "stdout.txt", space.root / "stderr.txt"
    session: dict[str, Any] = {"start_new_session": True} if os.name == "posix" else {}
    if os.name == "nt":
        session["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined]
    start = time.monotonic()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, entry.name],
            cwd=entry.parent,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=child_env(space),
            preexec_fn=_limiter(limits),
            **session,
        )
        try:
            returncode: int | None = proc.wait(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            returncode = None
        finally:
            _kill_all(proc)
            proc.wait()
    seconds = time.monotonic() - start
    figures = sorted(space.figures.glob("*.png"))
    return Outcome(
        returncode, seconds, _read(out_path, limits.output_mb), _read(err_path, limits.output_mb), figures
    )
