"""Sentences of findings computed from a sweep summary: nothing here is canned text.

Every function takes the summary of ``lab1.sweep.summary.summarise`` (one row per dataset and
setting) and returns sentences whose numbers, settings and even verdicts come from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lab1.sweep.results import fmt, sort_key
from lab1.sweep.summary import ended_higher


def _names(values: Sequence, axis: str) -> str:
    """``lr=0.1, 1 and 10``."""
    texts = [fmt(v) for v in values]
    joined = texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]
    return f"{axis}={joined}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if np.isfinite(x) else "n/a"


def _rows(summary: pd.DataFrame, dataset: str, axis: str) -> pd.DataFrame:
    rows = summary[summary["dataset"] == dataset]
    order = sorted(range(len(rows)), key=lambda i: sort_key(rows[axis].iloc[i]))
    return rows.iloc[order]


def axis_findings(summary: pd.DataFrame, axis: str, dataset: str) -> list[str]:
    """Which settings of one swept axis reached 100%, how fast, which failed, on one dataset."""
    rows = _rows(summary, dataset, axis)
    if rows.empty:
        return []
    n = int(rows["runs"].max())
    all_ok = rows[rows["reached_100"] == rows["runs"]]
    none_ok = rows[rows["reached_100"] == 0]
    out: list[str] = []
    every = "the only seed" if n == 1 else "both seeds" if n == 2 else f"all {n} seeds"
    if len(all_ok) == 1:
        only = all_ok.iloc[0]
        out.append(
            f"On {dataset}, {axis}={fmt(only[axis])} reached 100% accuracy in {every} "
            f"(median {only['epochs_to_100_median']:.0f} epochs)."
        )
    elif len(all_ok):
        fastest = all_ok.loc[all_ok["epochs_to_100_median"].idxmin()]
        slowest = all_ok.loc[all_ok["epochs_to_100_median"].idxmax()]
        speed = f"fastest {axis}={fmt(fastest[axis])} (median {fastest['epochs_to_100_median']:.0f} epochs)"
        speed += f", slowest {axis}={fmt(slowest[axis])} ({slowest['epochs_to_100_median']:.0f} epochs)"
        out.append(
            f"On {dataset}, {_names(list(all_ok[axis]), axis)} reached 100% accuracy in {every}; {speed}."
        )
    else:
        # pandas-stubs: .loc takes no plain Hashable, the label type idxmax returns
        best = rows.loc[rows["accuracy_mean"].fillna(-1).idxmax()]  # type: ignore[call-overload]
        out.append(
            f"On {dataset}, no setting reached 100% accuracy in every seed; the best final accuracy "
            f"was {_pct(best['accuracy_mean'])} on average, with {axis}={fmt(best[axis])}."
        )
    some = rows[(rows["reached_100"] > 0) & (rows["reached_100"] < rows["runs"])]
    if len(some):
        parts = ", ".join(
            f"{fmt(r[axis])}: {int(r['reached_100'])}/{int(r['runs'])}" for _, r in some.iterrows()
        )
        out.append(f"{_names(list(some[axis]), axis)} reached it in only some seeds ({parts}).")
    if len(none_ok):
        accs = ", ".join(f"{fmt(r[axis])}: {_pct(r['accuracy_mean'])}" for _, r in none_ok.iterrows())
        out.append(
            f"{_names(list(none_ok[axis]), axis)} never reached 100% in any seed (mean final accuracy {accs})."
        )
    higher = ended_higher(rows)
    if (higher > 0).any():
        failures = []
        for (_, r), n in zip(rows.iterrows(), higher):
            if not n:
                continue
            what = f"{int(n)}/{int(r['runs'])} seeds ended with a higher loss than they started"
            if r["diverged"]:
                what += f" ({int(r['diverged'])} with a loss that overflowed: diverged)"
            failures.append(f"{axis}={fmt(r[axis])}: {what}")
        out.append("Training failed outright for " + "; ".join(failures) + ".")
    return out


def section_findings(summary: pd.DataFrame, axis: str) -> list[str]:
    """axis_findings for every dataset of the summary."""
    datasets = sorted(summary["dataset"].unique(), key=sort_key)
    return [s for d in datasets for s in axis_findings(summary, axis, d)]


def pair_findings(summary: pd.DataFrame, axes: Sequence[str]) -> list[str]:
    """Findings for a sweep of two axes: each combination treated as one setting."""
    combined = summary.copy()
    name = " / ".join(axes)
    combined[name] = [" / ".join(fmt(r[a]) for a in axes) for _, r in combined.iterrows()]
    return section_findings(combined, name)


def _mean_acc(summary: pd.DataFrame, dataset: str, **where: object) -> float:
    rows = summary[summary["dataset"] == dataset]
    for key, value in where.items():
        rows = rows[rows[key].map(fmt) == fmt(value)]
    return float(rows["accuracy_mean"].mean()) if len(rows) else float("nan")


def _reached(summary: pd.DataFrame, dataset: str, **where: object) -> tuple[int, int]:
    rows = summary[summary["dataset"] == dataset]
    for key, value in where.items():
        rows = rows[rows[key].map(fmt) == fmt(value)]
    return int(rows["reached_100"].sum()), int(rows["runs"].sum())


def activation_answer(summary: pd.DataFrame) -> list[str]:
    """Q1, from the no-activation sweep: what the hidden non-linearity buys on each dataset."""
    out = []
    for dataset in sorted(summary["dataset"].unique(), key=sort_key):
        with_act = _mean_acc(summary, dataset, activation="sigmoid", output_activation="sigmoid")
        without = _mean_acc(summary, dataset, activation="none", output_activation="sigmoid")
        linear = _mean_acc(summary, dataset, activation="none", output_activation="none")
        r_with, n_with = _reached(summary, dataset, activation="sigmoid", output_activation="sigmoid")
        r_without, n_without = _reached(summary, dataset, activation="none", output_activation="sigmoid")
        verdict = (
            "neither learned it in the epochs given, so this run cannot tell what the non-linearity adds"
            if r_with == 0 and r_without == 0
            else "so the hidden non-linearity is what lets the network fit this data"
            if r_without == 0
            else "so a linear boundary is enough for this data"
            + (", though the sigmoid layers reached it in more runs" if r_with > r_without else "")
        )
        out.append(
            f"On {dataset}, sigmoid hidden layers reached a mean final accuracy of {_pct(with_act)} "
            f"({r_with}/{n_with} runs at 100%), identity hidden layers with the sigmoid output "
            f"{_pct(without)} ({r_without}/{n_without}) and the fully linear network {_pct(linear)}, {verdict}."
        )
    return out


def lr_answer(summary: pd.DataFrame) -> list[str]:
    """Q2, from the learning-rate sweep: the smallest and largest rates against the best."""
    out = []
    for dataset in sorted(summary["dataset"].unique(), key=sort_key):
        rows = _rows(summary, dataset, "lr")
        if rows.empty:
            continue
        small, large = rows.iloc[0], rows.iloc[-1]
        ok = rows[rows["reached_100"] == rows["runs"]]
        best = (
            f"the fastest rate that reached 100% in every seed was lr={fmt(ok.loc[ok['epochs_to_100_median'].idxmin(), 'lr'])}"
            if len(ok)
            else "no rate reached 100% in every seed"
        )
        small_text = (
            f"the smallest rate, lr={fmt(small['lr'])}, ended at a mean accuracy of {_pct(small['accuracy_mean'])} "
            f"(loss {small['loss_mean']:.3g}): "
            + (
                "too slow to learn in the epochs given"
                if small["reached_100"] < small["runs"]
                else "slow but enough"
            )
        )
        higher = int(ended_higher(rows).iloc[-1])
        large_text = f"the largest, lr={fmt(large['lr'])}, " + (
            f"ended above its starting loss in {higher}/{int(large['runs'])} seeds "
            f"(mean accuracy {_pct(large['accuracy_mean'])}): the steps overshoot"
            if higher
            else f"still trained (mean accuracy {_pct(large['accuracy_mean'])}), so the sweep did not reach a failing rate"
        )
        out.append(f"On {dataset}, {small_text}; {large_text}; {best}.")
    return out


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
        e_on, e_off = float(on["epochs_to_100_median"].iloc[0]), float(off["epochs_to_100_median"].iloc[0])

        def epochs(e: float) -> str:
            return f"median {e:.0f} epochs to 100%" if np.isfinite(e) else "never at 100%"

        r_on, r_off = int(on["reached_100"].iloc[0]), int(off["reached_100"].iloc[0])
        verdict = (
            "neither learned it in the epochs given, so this run cannot tell what the biases add"
            if r_on == 0 and r_off == 0
            else "without biases every unit's boundary must pass through the origin, and here that cost accuracy"
            if r_off < r_on and a_off < a_on
            else "without biases it learned no worse, so the weights alone could place the boundary here"
            if r_off >= r_on and a_off >= a_on - 0.01
            else "the difference is within the spread of the seeds"
        )
        out.append(
            f"On {dataset}, with biases: mean accuracy {_pct(a_on)}, {epochs(e_on)}; without: "
            f"{_pct(a_off)}, {epochs(e_off)}; {verdict}."
        )
    return out
