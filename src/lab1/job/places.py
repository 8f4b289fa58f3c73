"""Where lab1 was started: relative paths (a SQLite store, ``outputs/``) are read from there,
and the empty directories a refused run leaves are removed up to there."""

from __future__ import annotations

from pathlib import Path


def where_lab1_runs() -> Path:
    """The directory lab1 was started in, also inside a run that ``hydra.job.chdir=true`` moved."""
    from hydra.utils import get_original_cwd

    try:
        return Path(get_original_cwd())
    except ValueError:  # not inside a Hydra run
        return Path.cwd()


def prune_empty_parents(path: Path) -> None:
    """Remove the directories above a removed ``path`` that are now empty (Hydra made
    ``outputs/runs/<date>`` for it), up to where lab1 was started, which stays."""
    start = where_lab1_runs().resolve()
    for parent in path.absolute().parents:
        if parent == start or start not in parent.parents:
            return
        try:
            parent.rmdir()
        except OSError:  # not empty: other runs live there
            return
