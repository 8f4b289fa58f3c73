"""Files of a run directory, each written to a temporary name and renamed into place.

``metrics.json`` is written last, so its presence marks a finished run.
"""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from lab1.job.population import MemberResult

METRICS = "metrics.json"
SNAPSHOT = ".hydra"  # where Hydra writes a job's config, overrides and its own (hydra.output_subdir)
ERROR = "error.json"  # written by a job that raised (see lab1.job.run.record_failure)
ANIMATION = "training.gif"  # plots.animation (see lab1.job.animation)


def atomic_write(path: Path, write: Any, suffix: str = "") -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}{suffix}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


# metrics.json's keys that say how a run was trained (beside how many others, how fast),
# not what it computed: the only ones a rerun of the same config may change.
HOW_IT_RAN = ("population", "wall_seconds", "epochs_per_second")


def metrics(r: MemberResult, epochs: int) -> dict[str, Any]:
    """The metrics.json record of one run (accuracy as a fraction from 0 to 1)."""
    return {
        "loss": _finite_or_none(r.loss),
        "initial_loss": _finite_or_none(float(r.history["loss"][0])) if len(r.history["loss"]) else None,
        "accuracy": r.accuracy,
        "epochs": epochs,
        "epochs_run": r.epochs_run,
        "epochs_to_100": r.epochs_to_100,
        "diverged": r.diverged,
        "diverged_epoch": r.epochs_run if r.diverged else None,
        "early_stopped": r.early_stopped,
        "stopped_by": r.stopped_by,
        "n_samples": int(len(r.dataset.y)),
        "n_params": int(sum(v.size for v in r.params.values())),
        "population": r.population,
        "wall_seconds": r.wall_seconds,
        "epochs_per_second": r.epochs_run / r.wall_seconds if r.wall_seconds > 0 else None,
    }


def write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    """Columns as ``pandas.DataFrame(columns).to_csv(path, index=False)`` writes them, byte for
    byte (numbers in their shortest round-trip form, NaN empty), without importing pandas."""

    def rows(tmp: Path) -> None:
        with open(tmp, "w", newline="") as f:
            out = csv.writer(f, lineterminator=os.linesep)
            out.writerow(columns)
            values = [np.asarray(c).tolist() for c in columns.values()]
            out.writerows([["" if v != v else v for v in row] for row in zip(*values)])

    atomic_write(path, rows)


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    # numpy's stub: mypy matches **arrays against savez's allow_pickle: bool as well
    atomic_write(path, lambda tmp: np.savez(tmp, **arrays), suffix=".npz")  # type: ignore[arg-type]


def full_params(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """W1, b1, W2, b2, ...: a network without biases gets zero b arrays, so keys never vary."""
    out: dict[str, np.ndarray] = {}
    for key in sorted(params, key=lambda k: (int(k[1:]), k[0] != "W")):
        out[key] = params[key]
        if key.startswith("W") and f"b{key[1:]}" not in params:
            w = params[key]
            out[f"b{key[1:]}"] = np.zeros(w.shape[1] if w.ndim == 2 else w.shape[0])
    return out


def start_run(out_dir: Path) -> None:
    """Make the directory and remove a metrics.json of an earlier, different run, so a
    directory half rewritten is never taken for a finished run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / METRICS).unlink(missing_ok=True)


def write_run(out_dir: Path, r: MemberResult, epochs: int) -> dict[str, Any]:
    """Write every data file of a run; metrics.json last. Returns the metrics."""
    start_run(out_dir)
    d = r.dataset
    write_csv(out_dir / "history.csv", r.history)
    columns = {f"x{j}": d.X[:, j] for j in range(d.X.shape[1])}
    predicted = (r.prob > 0.5).astype(int)
    write_csv(
        out_dir / "predictions.csv", {**columns, "label": d.y, "probability": r.prob, "predicted": predicted}
    )
    _save_npz(out_dir / "params_init.npz", full_params(r.params_init))
    _save_npz(out_dir / "params.npz", full_params(r.params))
    return metrics(r, epochs)


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from a file, or None when there is none or it cannot be read."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def read_metrics(out_dir: Path) -> dict[str, Any] | None:
    """The finished run's metrics, or None when there are none or they cannot be read."""
    return read_json(out_dir / METRICS)


def write_metrics(out_dir: Path, record: dict[str, Any]) -> None:
    """Write metrics.json: the mark of a finished run, so call it last. An earlier failure
    of this job (its error.json) is past."""
    text = json.dumps(record, indent=2, allow_nan=False) + "\n"
    atomic_write(out_dir / METRICS, lambda p: p.write_text(text))
    (out_dir / ERROR).unlink(missing_ok=True)
