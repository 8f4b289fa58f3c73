"""What a run prints, in the handout's form."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import numpy as np
from tqdm import tqdm

from lab1.population import MemberResult

PROGRESS_MIN_EPOCHS = 20000  # shorter runs finish too fast for a bar to help


def emit(line: str) -> None:
    """Print a line (above any progress bar). If the reader of stdout has gone (``| head``),
    print nothing more but carry on, so the run still finishes and writes its results."""
    try:
        tqdm.write(line, file=sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # what is still buffered goes nowhere, quietly
        os.close(devnull)


def print_loss(epoch: int, loss: np.ndarray) -> None:
    """``epoch <e> loss : <loss>``."""
    emit(f"epoch {epoch} loss : {float(loss[0]):.10g}")


def print_predictions(r: MemberResult) -> None:
    """One line per sample, then the final loss and accuracy."""
    for i, (label, prob) in enumerate(zip(r.dataset.y, r.prob)):
        emit(f"Iter{i} | Ground truth: {int(label)} | prediction: {prob:.5f}")
    if r.diverged:
        emit(f"diverged at epoch {r.epochs_run}: the loss became {r.loss}")
    emit(f"loss={r.loss:.10g} accuracy={100 * r.accuracy:.2f}%")


def print_skipped(out_dir: object) -> None:
    """Say that a finished run of the same config was found and reused."""
    emit(f"lab1: {out_dir} already holds a finished run of this config; kept it (resume=false retrains)")


def progress_bar(total: int, enabled: bool | None) -> tuple[Callable[[int], None] | None, Callable]:
    """(on_progress, close) for a tqdm bar; none unless asked for or on a long terminal run."""
    if enabled is None:
        enabled = sys.stdout.isatty() and total >= PROGRESS_MIN_EPOCHS
    if not enabled:
        return None, lambda: None
    bar = tqdm(total=total, unit="epoch", dynamic_ncols=True, leave=False)

    def update(epoch: int) -> None:
        bar.update(epoch - bar.n)

    return update, bar.close


class JobBar:
    """Progress of a sweep's jobs: a tqdm bar on a terminal, one line per job otherwise."""

    def __init__(self, total: int, enabled: bool | None) -> None:
        self.total, self.done = total, 0
        enabled = sys.stdout.isatty() if enabled is None else enabled
        self.bar = tqdm(total=total, unit="job", dynamic_ncols=True, leave=False) if enabled else None

    def _line(self, out_dir: object, text: str) -> None:
        self.done += 1
        name = getattr(out_dir, "name", out_dir)
        emit(f"lab1: job {self.done}/{self.total} {name}: {text}")
        if self.bar is not None:
            self.bar.update(1)

    def finished(self, out_dir: object, record: dict) -> None:
        """A job trained and written."""
        loss = record["loss"]
        loss_text = f"{loss:.6g}" if loss is not None else "diverged"
        self._line(out_dir, f"loss={loss_text} accuracy={100 * record['accuracy']:.2f}%")

    def skipped(self, out_dir: object) -> None:
        """A job found finished from an earlier run of the same config."""
        self._line(out_dir, "already holds a finished run of this config; kept it (resume=false retrains)")

    def failed(self, out_dir: object, error: str) -> None:
        """A job that raised (its error is in error.json)."""
        self._line(out_dir, f"failed: {error}")

    def close(self) -> None:
        """Remove the bar."""
        if self.bar is not None:
            self.bar.close()
