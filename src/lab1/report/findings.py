"""Sentences of findings whose numbers, settings and verdicts come from a sweep's ``summarise``."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lab1.sweep.results import fmt, sort_key
from lab1.sweep.summary import ended_higher


def and_list(texts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def _names(values: Sequence, axis: str) -> str:
    """``lr=0.1, 1 and 10``."""
    return f"{axis}={and_list([fmt(v) for v in values])}"


def pct(x: float) -> str:
    """``75%``, or ``n/a``."""
    return f"{100 * x:.0f}%" if np.isfinite(x) else "n/a"


def _rows(summary: pd.DataFrame, dataset: str, axis: str) -> pd.DataFrame:
    rows = summary[summary["dataset"] == dataset]
    order = sorted(range(len(rows)), key=lambda i: sort_key(rows[axis].iloc[i]))
    return rows.iloc[order]


def of_seeds(n: int, runs: int) -> str:
    """``all 5 seeds``, ``both seeds``, ``the only seed`` or ``3 of 5 seeds``."""
    if n == runs:
        return "the only seed" if runs == 1 else "both seeds" if runs == 2 else f"all {runs} seeds"
    return f"{n} of {runs} seeds"


def axis_findings(summary: pd.DataFrame, axis: str, dataset: str) -> list[str]:
    """Which settings of one swept axis reached 100%, how fast, which failed, on one dataset."""
    rows = _rows(summary, dataset, axis)
    if rows.empty:
        return []
    n = int(rows["runs"].max())
    all_ok = rows[rows["reached_100"] == rows["runs"]]
    none_ok = rows[rows["reached_100"] == 0]
    out: list[str] = []
    if len(all_ok) == 1:
        only = all_ok.iloc[0]
        alone = "only " if len(rows) > 1 else ""
        out.append(
            f"On {dataset}, {alone}{axis}={fmt(only[axis])} reached 100% accuracy in {of_seeds(n, n)}, "
            f"after a median of {only['epochs_to_100_median']:.0f} epochs."
        )
    elif len(all_ok):
        fastest = all_ok.loc[all_ok["epochs_to_100_median"].idxmin()]
        slowest = all_ok.loc[all_ok["epochs_to_100_median"].idxmax()]
        out.append(
            f"On {dataset}, {_names(list(all_ok[axis]), axis)} reached 100% accuracy in {of_seeds(n, n)}; "
            f"{axis}={fmt(fastest[axis])} got there fastest (a median of {fastest['epochs_to_100_median']:.0f} "
            f"epochs) and {axis}={fmt(slowest[axis])} slowest ({slowest['epochs_to_100_median']:.0f} epochs)."
        )
    else:
        # pandas-stubs: .loc takes no plain Hashable, the label type idxmax returns
        best = rows.loc[rows["accuracy_mean"].fillna(-1).idxmax()]  # type: ignore[call-overload]
        out.append(
            f"On {dataset}, no setting reached 100% accuracy in every seed; the best mean final accuracy "
            f"was {pct(best['accuracy_mean'])}, with {axis}={fmt(best[axis])}."
        )
    some = rows[(rows["reached_100"] > 0) & (rows["reached_100"] < rows["runs"])]
    if len(some):
        counts = and_list([f"{int(r['reached_100'])} of {int(r['runs'])}" for _, r in some.iterrows()])
        out.append(f"With {_names(list(some[axis]), axis)} only some seeds reached it: {counts}.")
    if len(none_ok):
        accs = and_list([pct(r["accuracy_mean"]) for _, r in none_ok.iterrows()])
        whose = "its" if len(none_ok) == 1 else "their"
        plural = "accuracy was" if len(none_ok) == 1 else "accuracies were"
        out.append(
            f"With {_names(list(none_ok[axis]), axis)} no seed ever reached 100%; {whose} mean final {plural} {accs}."
        )
    higher = ended_higher(rows)
    failures = []
    for (_, r), count in zip(rows.iterrows(), higher):
        if count:
            what = f"{axis}={fmt(r[axis])}: {int(count)}/{int(r['runs'])} seeds ended with a higher loss than they started"
            if r["diverged"]:
                what += f" ({int(r['diverged'])} of them because the loss overflowed)"
            failures.append(what)
    if failures:
        out.append("Training failed outright with " + "; ".join(failures) + ".")
    return out


def section_findings(summary: pd.DataFrame, axis: str) -> list[str]:
    """axis_findings for every dataset of the summary."""
    datasets = sorted(summary["dataset"].unique(), key=sort_key)
    return [s for d in datasets for s in axis_findings(summary, axis, d)]


def lr_answer(summary: pd.DataFrame) -> list[str]:
    """Q2, from the learning-rate sweep: the smallest and largest rates against the best."""
    out = []
    for dataset in sorted(summary["dataset"].unique(), key=sort_key):
        rows = _rows(summary, dataset, "lr")
        if rows.empty:
            continue
        small, large = rows.iloc[0], rows.iloc[-1]
        slow = (
            "too slow to learn in the epochs given"
            if small["reached_100"] < small["runs"]
            else "slow, but enough"
        )
        out.append(
            f"On {dataset}, the smallest rate, lr={fmt(small['lr'])}, ended at a mean accuracy of "
            f"{pct(small['accuracy_mean'])} and a loss of {small['loss_mean']:.3g}: {slow}."
        )
        higher = int(ended_higher(rows).iloc[-1])
        if higher:
            out.append(
                f"The largest, lr={fmt(large['lr'])}, ended above its starting loss in "
                f"{of_seeds(higher, int(large['runs']))}, at a mean accuracy of {pct(large['accuracy_mean'])}: "
                "its steps overshoot."
            )
        else:
            out.append(
                f"The largest, lr={fmt(large['lr'])}, still trained (a mean accuracy of "
                f"{pct(large['accuracy_mean'])}), so the sweep did not reach a rate that fails."
            )
        ok = rows[rows["reached_100"] == rows["runs"]]
        if len(ok):
            best = fmt(ok.loc[ok["epochs_to_100_median"].idxmin(), "lr"])
            out.append(f"Of the rates that reached 100% in every seed, lr={best} got there fastest.")
        else:
            out.append("No rate reached 100% in every seed.")
    return out


def _outcome(row: pd.DataFrame) -> str:
    """``100% (a median of 4605 epochs to 100%)`` of a one-row frame."""
    acc, e = float(row["accuracy_mean"].iloc[0]), float(row["epochs_to_100_median"].iloc[0])
    return f"{pct(acc)} " + (f"(a median of {e:.0f} epochs to 100%)" if np.isfinite(e) else "(never 100%)")


def bias_answer(summary: pd.DataFrame) -> list[str]:
    """Q3, from the bias sweep: what removing every bias costs."""
    out = []
    for dataset in sorted(summary["dataset"].unique(), key=sort_key):
        rows = summary[summary["dataset"] == dataset]
        on = rows[rows["bias"].map(str) == "True"]
        off = rows[rows["bias"].map(str) == "False"]
        if on.empty or off.empty:
            continue
        a_on, a_off = float(on["accuracy_mean"].iloc[0]), float(off["accuracy_mean"].iloc[0])
        r_on, r_off = int(on["reached_100"].iloc[0]), int(off["reached_100"].iloc[0])
        verdict = (
            "Neither learned it in the epochs given, so these runs cannot tell what the biases add"
            if r_on == 0 and r_off == 0
            else "Without biases every unit's boundary must pass through the origin, and here that cost accuracy"
            if r_off < r_on and a_off < a_on
            else "Without biases it learned no worse, so the weights alone could place the boundary here"
            if r_off >= r_on and a_off >= a_on - 0.01
            else "The difference is within the spread of the seeds"
        )
        out.append(
            f"On {dataset}, with biases the network reached a mean accuracy of {_outcome(on)}, "
            f"without them {_outcome(off)}. {verdict}."
        )
    return out
