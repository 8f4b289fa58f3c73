"""What a run prints, in the handout's form."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from lab1 import interrupt
from lab1.job.population import MemberResult

PROGRESS_MIN_EPOCHS = 20000  # shorter runs finish too fast for a bar to help


class PipeSafe:
    """Standard output that goes quiet (to /dev/null), instead of failing, once its reader
    has gone (``python -m lab1 | head``), so the run still finishes and saves."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def _gone(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self._stream.fileno())  # what is still buffered goes nowhere, quietly
        os.close(devnull)

    def write(self, text: str) -> int:
        """Write, or drop the text if the reader has gone."""
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._gone()
            return len(text)

    def flush(self) -> None:
        """Flush, or go quiet if the reader has gone."""
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def protect_stdout() -> None:
    """Make ``sys.stdout`` a ``PipeSafe`` (a command-line entry point calls this first)."""
    if not isinstance(sys.stdout, PipeSafe):
        sys.stdout = PipeSafe(sys.stdout)


def emit(line: str) -> None:
    """Print a line above any progress bar, flushed, so a closed pipe shows at once; whole,
    with Ctrl-C deferred (cut inside tqdm's lock, tqdm raises an error of its own)."""
    with interrupt.deferred():
        tqdm.write(line, file=sys.stdout)
        sys.stdout.flush()


class JobLog:
    """Where a job's lines go: appended to its log file (``lab1.log``), and printed too
    unless ``echo`` is off (a multirun's job prints one line; its listing stays in the log)."""

    def __init__(self, path: Path | None = None, echo: bool = True) -> None:
        self.path, self.echo = path, echo

    def lines(self, texts: list[str]) -> None:
        """Lines to the console (if echoing) and to the log file (if any), opened once."""
        if self.echo:
            for text in texts:
                emit(text)
        if self.path is not None:
            with open(self.path, "a") as log:
                log.writelines(text + "\n" for text in texts)

    def loss(self, epoch: int, loss: np.ndarray) -> None:
        """``epoch <e> loss : <loss>``."""
        self.lines([loss_line(epoch, float(loss[0]))])


def loss_line(epoch: int, loss: float) -> str:
    """The handout's line of training progress: ``epoch <e> loss : <loss>``."""
    return f"epoch {epoch} loss : {loss:.10g}"


def listing(r: MemberResult, cfg: Any) -> list[str]:
    """One line per sample, then the final loss and accuracy, and the early stop if any."""
    lines = [
        f"Iter{i} | Ground truth: {int(label)} | prediction: {prob:.5f}"
        for i, (label, prob) in enumerate(zip(r.dataset.y, r.prob))
    ]
    if r.diverged:
        lines.append(f"diverged at epoch {r.epochs_run}: the loss became {r.loss}")
    lines.append(f"loss={r.loss:.10g} accuracy={100 * r.accuracy:.2f}%")
    if r.stopped_by is not None:
        lines.append(stop_text(r.stopped_by, r.epochs_run, cfg[r.stopped_by]))
    return lines


def result_text(record: dict[str, Any], cfg: Any) -> str:
    """A finished job in one line: ``loss=0.0123 accuracy=100.00%[; early stop at ...]``."""
    loss = f"{record['loss']:.6g}" if record["loss"] is not None else "diverged"
    text = f"loss={loss} accuracy={100 * record['accuracy']:.2f}%"
    stopped_by = record.get("stopped_by")
    if stopped_by is not None:
        text += f"; {stop_text(stopped_by, record['epochs_run'], cfg[stopped_by])}"
    return text


def stop_text(stopped_by: str, epoch: int, threshold: Any) -> str:
    """``early stop at epoch 812: accuracy reached stop_accuracy=1``."""
    what = "loss fell to" if stopped_by == "early_stop" else "accuracy reached"
    return f"early stop at epoch {epoch}: {what} {stopped_by}={threshold:g}"


def kept(src: object | None) -> str:
    """What happened to a job that found a finished run of its config: kept, or copied from ``src``."""
    if src is None:
        return "already holds a finished run of this config; kept it (resume=false retrains)"
    return f"copied the finished run of this config from {src} (resume=false retrains)"


class Bar(tqdm):
    """A tqdm bar that Ctrl-C cannot cut while it redraws (as ``emit``)."""

    def update(self, n: float | None = 1) -> bool | None:
        """Move the bar on by ``n``."""
        with interrupt.deferred():
            return super().update(n)

    def close(self) -> None:
        """Remove the bar."""
        with interrupt.deferred():
            super().close()


def progress_bar(total: int, enabled: bool | None) -> tuple[Callable[[int], None] | None, Callable]:
    """(on_progress, close) for a tqdm bar; none unless asked for or on a long terminal run."""
    if enabled is None:
        enabled = sys.stdout.isatty() and total >= PROGRESS_MIN_EPOCHS
    if not enabled:
        return None, lambda: None
    bar = Bar(total=total, unit="epoch", dynamic_ncols=True, leave=False)

    def update(epoch: int) -> None:
        bar.update(epoch - bar.n)

    return update, bar.close


class JobBar:
    """Progress of a sweep's jobs: a tqdm bar on a terminal, one line per job otherwise."""

    def __init__(self, total: int, enabled: bool | None) -> None:
        self.total, self.done = total, 0
        enabled = sys.stdout.isatty() if enabled is None else enabled
        self.bar = Bar(total=total, unit="job", dynamic_ncols=True, leave=False) if enabled else None

    def line(self, out_dir: object, text: str) -> None:
        """One job done: ``lab1: job 3/8 NAME: TEXT``, and the bar moved on."""
        self.done += 1
        name = getattr(out_dir, "name", out_dir)
        emit(f"lab1: job {self.done}/{self.total} {name}: {text}")
        if self.bar is not None:
            self.bar.update(1)

    def close(self) -> None:
        """Remove the bar."""
        if self.bar is not None:
            self.bar.close()
