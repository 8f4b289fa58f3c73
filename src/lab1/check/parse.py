"""What a student's program printed, read back: its runs, each with loss lines, predictions and an accuracy.

What counts as a run, a prediction or an accuracy is docs/check.md's "What it printed"; a
line that is not understood is skipped and kept, never guessed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from lab1.check.handout import PASS_ACCURACY, SAMPLES, THRESHOLD

NUMBER = re.compile(r"^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$|^[-+]?(?:nan|inf)$", re.IGNORECASE)
VALUE = r"(?:is|=|:)?\s*(?P<raw>(?:array\()?\[[^\]]*\]+\)?|[-+]?(?:\d|\.\d|nan|inf)[^\s|,;]*)"
FIELDS = {
    "epoch": re.compile(r"(?<![a-z])epochs?\s*[:=#]?\s*(?P<raw>\d+)", re.IGNORECASE),
    "iter": re.compile(r"\biter(?:ation)?s?\s*[:=#]?\s*(?P<raw>\d+)", re.IGNORECASE),
    "loss": re.compile(r"(?<![a-z])loss\s*" + VALUE, re.IGNORECASE),
    "truth": re.compile(r"\bground[\s_-]*truth\s*" + VALUE, re.IGNORECASE),
    "pred": re.compile(r"\bpred(?:iction|icted|ict)?s?\b\s*" + VALUE, re.IGNORECASE),
    "acc": re.compile(
        r"(?<![a-z])acc(?:uracy)?\b(?:\s+(?:on|of|for)\s+[A-Za-z_ ]{1,20}?)?\s*" + VALUE, re.IGNORECASE
    ),
}
DATASET_WORDS = {
    "xor": re.compile(r"\bxor", re.IGNORECASE),
    "linear": re.compile(r"\blinear\b", re.IGNORECASE),
}
MAX_SKIPPED = 200  # lines kept of those skipped (the count is kept whole)


def number(raw: str) -> float | None:
    """The one number of ``raw`` (``0.5``, ``[0.5]``, ``[[1.]]``, ``array([0.5])``, ``0.52.``); None if not one."""
    text = raw.strip().rstrip("%|,;")
    if text.endswith(".") and not NUMBER.match(text):
        text = text[:-1]
    text = text.removeprefix("array(").removesuffix(")").strip("[] ")
    tokens = text.replace(",", " ").split()
    return float(tokens[0]) if len(tokens) == 1 and NUMBER.match(tokens[0]) else None


def fields(line: str) -> dict[str, float]:
    """Every field the line holds whose value is one number (name -> value; ``acc`` as a fraction)."""
    out: dict[str, float] = {}
    for name, pattern in FIELDS.items():
        match = pattern.search(line)
        value = number(match["raw"]) if match else None
        if match is None or value is None:
            continue
        if name == "acc":
            percent = "%" in match["raw"] or line[match.end() :].lstrip().startswith("%")
            value = value / 100.0 if percent or value > 1.0 else value
        out[name] = value
    return out


def dataset_word(line: str) -> str | None:
    """The dataset a line names, if exactly one."""
    named = [name for name, pattern in DATASET_WORDS.items() if pattern.search(line)]
    return named[0] if len(named) == 1 else None


@dataclass
class Run:
    """One dataset's training and testing as printed."""

    losses: list[tuple[int | None, float]] = field(default_factory=list)  # (epoch, loss)
    predictions: list[tuple[float, float]] = field(default_factory=list)  # (ground truth, prediction)
    claimed_accuracy: float | None = None
    header: str | None = None  # the dataset a header or data line named
    last_iter: int | None = None

    def empty(self) -> bool:
        return not (self.losses or self.predictions or self.claimed_accuracy is not None)

    @property
    def dataset(self) -> str | None:
        """From the number of predictions (100, 21), else from a header."""
        return SAMPLES.get(len(self.predictions), self.header)

    @property
    def accuracy(self) -> float | None:
        """The fraction of predictions on the right side of 0.5 (class 1 above it)."""
        if not self.predictions:
            return None
        right = sum((p > THRESHOLD) == (t == 1.0) for t, p in self.predictions)
        return right / len(self.predictions)

    def summary(self) -> dict:
        """The run as check.json holds it."""
        accuracy = self.accuracy
        return {
            "dataset": self.dataset,
            "predictions": len(self.predictions),
            "accuracy": accuracy,
            "claimed_accuracy": self.claimed_accuracy,
            "first_loss": _finite(self.losses[0][1]) if self.losses else None,
            "last_loss": _finite(self.losses[-1][1]) if self.losses else None,
            "loss_lines": len(self.losses),
            "first_epoch": self.losses[0][0] if self.losses else None,
            "last_epoch": self.losses[-1][0] if self.losses else None,
            "passed": accuracy is not None and accuracy >= PASS_ACCURACY,
        }


def _finite(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)


@dataclass
class Output:
    """Every run found, in the order printed, and the lines that were not understood."""

    runs: list[Run]
    skipped: list[tuple[int, str]]  # (line number from 1, text), at most MAX_SKIPPED
    skipped_count: int


class _Reader:
    """The state of one pass over the printed lines."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.run = Run()
        self.pending: dict[str, float] = {}  # a prediction's fields seen so far (iter, truth, pred)
        self.pending_lines: list[tuple[int, str]] = []
        self.skipped: list[tuple[int, str]] = []
        self.skipped_count = 0

    def skip(self, lines: list[tuple[int, str]]) -> None:
        self.skipped_count += len(lines)
        self.skipped += lines[: max(0, MAX_SKIPPED - len(self.skipped))]

    def new_run(self) -> None:
        if not self.run.empty():
            self.runs.append(self.run)
        self.run = Run()

    def drop_pending(self) -> None:
        self.skip(self.pending_lines)
        self.pending, self.pending_lines = {}, []

    def training(self, found: dict[str, float]) -> None:
        self.drop_pending()
        if self.run.predictions or self.run.claimed_accuracy is not None:
            self.new_run()
        if "loss" in found:
            epoch = found.get("epoch", found.get("iter"))
            self.run.losses.append((int(epoch) if epoch is not None else None, found["loss"]))

    def prediction(self, found: dict[str, float], where: tuple[int, str]) -> None:
        if any(key in self.pending for key in found):  # a field again before the last was complete
            self.drop_pending()
        self.pending.update(found)
        self.pending_lines.append(where)
        if "truth" not in self.pending or "pred" not in self.pending:
            return
        truth, it = self.pending["truth"], self.pending.get("iter")
        if truth not in (0.0, 1.0):
            self.drop_pending()
            return
        restarted = it is not None and self.run.last_iter is not None and it <= self.run.last_iter
        if self.run.claimed_accuracy is not None or (restarted and self.run.predictions):
            self.new_run()
        self.run.predictions.append((truth, self.pending["pred"]))
        self.run.last_iter = int(it) if it is not None else None
        self.pending, self.pending_lines = {}, []

    def accuracy(self, value: float) -> None:
        self.drop_pending()
        self.run.claimed_accuracy = value

    def header(self, name: str) -> None:
        self.drop_pending()
        self.new_run()
        self.run.header = name


def parse(text: str) -> Output:
    """The runs a program printed, and the non-blank lines it could not read."""
    r = _Reader()
    for number_, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        found = fields(line)
        named = dataset_word(line)
        if (
            ("epoch" in found or "iter" in found)
            and ("loss" in found or "acc" in found)
            or ("loss" in found and "acc" not in found and "truth" not in found and "pred" not in found)
        ):
            r.training(found)
        elif "truth" in found or "pred" in found or set(found) == {"iter"}:
            r.prediction({k: v for k, v in found.items() if k in ("iter", "truth", "pred")}, (number_, line))
        elif "acc" in found:
            r.accuracy(found["acc"])
        elif named is not None:
            r.header(named)
            continue
        else:
            r.skip([(number_, line)])
            continue
        if named is not None and r.run.header is None:
            r.run.header = named
    r.drop_pending()
    r.new_run()
    return Output(r.runs, r.skipped, r.skipped_count)
