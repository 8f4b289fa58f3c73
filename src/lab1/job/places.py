"""Where lab1 was started: relative paths (a SQLite store, ``outputs/``) are read from there,
and the empty directories a refused run leaves in its ``outputs/`` are removed."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

OUTPUTS = "outputs"  # lab1's own directory where it was started (conf/config.yaml's hydra dirs)


def where_lab1_runs() -> Path:
    """The directory lab1 was started in, also inside a run that ``hydra.job.chdir=true`` moved."""
    from hydra.utils import get_original_cwd

    try:
        return Path(get_original_cwd())
    except ValueError:  # not inside a Hydra run
        return Path.cwd()


def prune_empty_parents(path: Path) -> None:
    """Remove the directories above a removed ``path`` that are now empty (Hydra made
    ``outputs/runs/<date>`` for it), inside ``outputs/`` where lab1 was started, which
    stays. Followed to where they really are: nothing outside it, nor a directory of the
    user's elsewhere, is touched."""
    root = Path(os.path.realpath(where_lab1_runs() / OUTPUTS))
    for parent in Path(os.path.realpath(path)).parents:
        if root not in parent.parents:
            return
        try:
            parent.rmdir()
        except OSError:  # not empty: other runs live there
            return


def discard(path: Path, made: set[str]) -> None:
    """Remove ``path`` if it holds nothing but the entries ``made`` (what Hydra wrote for a run
    or sweep that lab1 refused), and the directories above it that this leaves empty."""
    if not path.is_dir() or not {p.name for p in path.iterdir()} <= made:
        return
    for name in made:
        shutil.rmtree(path / name, ignore_errors=True)  # a directory (.hydra)
        (path / name).unlink(missing_ok=True)  # a file, or gone already
    with contextlib.suppress(OSError):
        path.rmdir()
        prune_empty_parents(path)
