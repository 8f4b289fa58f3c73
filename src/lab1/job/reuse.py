"""``reuse=[DIR, ...]``: take a finished run of the same config from other directories.

A finished run found under them (searched recursively, once per launch) with the job's
``config_hash`` is copied in instead of training, ``metrics.json`` unchanged and last; a job
that draws figures copies the source's too, and skips a source that has none.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from lab1.job import artifacts

DATA_FILES = ("history.csv", "predictions.csv", "params_init.npz", "params.npz")


class Index:
    """The finished runs of ``reuse`` directories by config hash, each directory read once."""

    def __init__(self) -> None:
        self._read: dict[Path, dict[str, list[Path]]] = {}

    def _runs(self, root: Path) -> dict[str, list[Path]]:
        runs = self._read.get(root)
        if runs is None:
            runs = self._read[root] = {}
            try:  # every directory under root (itself included) that holds a metrics.json
                run_dirs = sorted(p.parent for p in root.rglob(artifacts.METRICS))
            except OSError:
                run_dirs = []
            for run_dir in run_dirs:
                record = artifacts.read_metrics(run_dir)
                if record is not None and isinstance(record.get("config_hash"), str):
                    runs.setdefault(record["config_hash"], []).append(run_dir)
        return runs

    def find(self, dirs: list[str], config_hash: str, figures: tuple[str, ...], out_dir: Path) -> Path | None:
        """The first finished run of this hash in ``dirs`` (with files matching ``figures``), not ``out_dir``."""
        here = out_dir.resolve()
        for entry in dirs:
            for run_dir in self._runs(Path(entry).resolve()).get(config_hash, []):
                if run_dir != here and all(any(run_dir.glob(pattern)) for pattern in figures):
                    return run_dir
        return None


def copy_run(src: Path, dst: Path, figures: tuple[str, ...]) -> dict[str, Any] | None:
    """Copy a finished run (and its ``figures``) into ``dst``, metrics.json last; its metrics or None."""
    record = artifacts.read_metrics(src)
    if record is None:
        return None
    artifacts.start_run(dst)
    names = list(DATA_FILES) + sorted({p.name for pattern in figures for p in src.glob(pattern)})
    try:
        for name in names:
            artifacts.atomic_write(dst / name, lambda tmp, name=name: shutil.copyfile(src / name, tmp))
    except OSError:  # the source changed under us: train instead
        return None
    artifacts.write_metrics(dst, record)
    return record
