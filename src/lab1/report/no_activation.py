"""Discussion C, without activation functions, and the evidence of question A.

``no_activation`` trains the network with and without its hidden and output sigmoids at the lab's
lr, where the fully linear network overflows; that one is shown at the largest rate of its own sweep
(``no_activation_lr``) at which it converged on both datasets in every seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lab1.report.findings import and_list, of_seeds, pct
from lab1.sweep.results import Sweep, fmt, sort_key
from lab1.sweep.summary import summarise

SWEEP, LR_SWEEP = "no_activation", "no_activation_lr"
AXIS = "network"  # the one setting of the combined study
NETWORKS = {  # (activation, output_activation) -> its name in the tables, figures and text
    ("sigmoid", "sigmoid"): "sigmoid hidden and output",
    ("none", "sigmoid"): "sigmoid output only",
    ("sigmoid", "none"): "sigmoid hidden only",
    ("none", "none"): "fully linear",
}
LINEAR = NETWORKS[("none", "none")]
PASS = 0.9  # the handout's pass mark
NEAR_CHANCE = 0.1  # within this of always answering the larger class is "near chance"


@dataclass
class Study:
    """The four networks, the fully linear one at its own learning rate."""

    sweep: Sweep  # the runs shown, with a ``network`` column as the one swept axis
    summary: pd.DataFrame  # summarise(sweep)
    lr: float | None  # the fully linear network's chosen rate; None if none converged
    at_lab_lr: pd.DataFrame  # summary rows of the fully linear network at the lab's rate
    lab_lr: float  # the rate of the no_activation sweep
    rates: pd.DataFrame  # summary of the fully linear network's own sweep
    chance: dict[str, float]  # dataset -> the accuracy of always answering its larger class


def converged(summary: pd.DataFrame) -> pd.Series:
    """Rows whose every seed finished with a finite loss below its initial loss."""
    return (summary["runs"] > 0) & (summary[["failed", "diverged", "loss_rose"]] == 0).all(axis=1)


def chosen_lr(rates: pd.DataFrame) -> float | None:
    """The largest learning rate that converged (``converged``) on every dataset."""
    datasets = rates["dataset"].nunique()
    ok = rates[converged(rates)].groupby("lr")["dataset"].nunique()
    good = [float(lr) for lr, n in ok.items() if n == datasets]
    return max(good) if good else None


def _named(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
    t = table.copy()
    t[AXIS] = [NETWORKS[(a, o)] for a, o in zip(t["activation"], t["output_activation"])]
    t["job"] = [f"{prefix}/{j}" for j in t["job"]]
    return t


def _chance(sweep: Sweep, jobs: pd.Series) -> float:
    """The mean over runs of the fraction of the larger class (from predictions.csv)."""
    fractions = []
    for job in jobs:
        labels = pd.read_csv(sweep.root / str(job) / "predictions.csv")["label"].to_numpy()
        fractions.append(max(labels.mean(), 1 - labels.mean()))
    return float(np.mean(fractions)) if fractions else float("nan")


def study(sweeps: dict[str, Sweep]) -> Study:
    """The runs Discussion C shows: the fully linear network's at ``chosen_lr`` (else its smallest)."""
    base, own = sweeps[SWEEP], sweeps[LR_SWEEP]
    rates = summarise(own)
    lr = chosen_lr(rates) if not rates.empty else None
    shown_lr = lr if lr is not None else (float(own.table["lr"].min()) if not own.table.empty else None)
    linear = (base.table["activation"] == "none") & (base.table["output_activation"] == "none")
    others = _named(base.table[~linear], SWEEP)
    mine = _named(own.table[own.table["lr"] == shown_lr], LR_SWEEP) if shown_lr is not None else others[:0]
    histories = {f"{SWEEP}/{j}": h for j, h in base.histories.items()}
    histories |= {f"{LR_SWEEP}/{j}": h for j, h in own.histories.items()}
    combined = Sweep(base.root, pd.concat([others, mine], ignore_index=True), [AXIS], histories)
    at_lab = Sweep(base.root, _named(base.table[linear], SWEEP), [AXIS])
    chance = {str(d): _chance(own, rows["job"]) for d, rows in own.table.groupby("dataset", sort=False)}
    lab_lr = float(base.table["lr"].iloc[0]) if not base.table.empty else float("nan")
    return Study(combined, summarise(combined), lr, summarise(at_lab), lab_lr, rates, chance)


def display_lr(s: Study, frame: pd.DataFrame) -> pd.DataFrame:
    """The study's display table with each row's learning rate beside its network."""
    t = s.sweep.table
    lrs = [
        fmt(t.loc[(t["dataset"] == d) & (t[AXIS] == n), "lr"].iloc[0])
        for d, n in zip(s.summary["dataset"], s.summary[AXIS])
    ]
    out = frame.copy()
    out.insert(2, "lr", lrs)
    return out


def _row(summary: pd.DataFrame, dataset: str, network: str) -> pd.Series | None:
    rows = summary[(summary["dataset"] == dataset) & (summary[AXIS] == network)]
    return rows.iloc[0] if len(rows) else None


def _datasets(s: Study) -> list[str]:
    return sorted(s.summary["dataset"].unique(), key=sort_key) if not s.summary.empty else []


def findings(s: Study) -> list[str]:
    """Why the fully linear network has a rate of its own, and what it learns against the others."""
    out = []
    overflowed = [(str(r["dataset"]), int(r["diverged"]), int(r["runs"])) for _, r in s.at_lab_lr.iterrows()]
    if any(n for _, n, _ in overflowed):
        counts = " and ".join(f"in {of_seeds(n, of)} on {d}" for d, n, of in overflowed)
        out.append(
            f"At the lab's lr={fmt(s.lab_lr)} the fully linear network diverged {counts}: without a sigmoid "
            "to bound them, its outputs and gradients grow with every update until they overflow."
        )
    tried = and_list([fmt(v) for v in sorted(s.rates["lr"].unique())]) if not s.rates.empty else "none"
    if s.lr is not None:
        out.append(
            f"Its own sweep tried lr={tried}; the largest rate at which it converged on both datasets "
            f"in every seed (no seed diverged or ended above its starting loss) was lr={fmt(s.lr)}, "
            "and it is shown at that rate."
        )
    else:
        out.append(
            f"Its own sweep tried lr={tried}, and at none did it converge on both datasets in every seed."
        )
    for dataset in _datasets(s):
        row = _row(s.summary, dataset, LINEAR)
        if row is None or not np.isfinite(row["accuracy_mean"]):
            continue
        acc, chance = float(row["accuracy_mean"]), s.chance.get(dataset, float("nan"))
        if acc >= PASS:
            verdict = f"at least the {pct(PASS)} pass mark: a straight line separates this data"
        elif acc <= chance + NEAR_CHANCE:
            verdict = (
                f"near the {pct(chance)} of always answering the larger class: every layer is linear, so "
                "the whole network is one straight boundary, and no straight line separates this data"
            )
        else:
            verdict = f"above the {pct(chance)} of always answering the larger class but below the pass mark"
        out.append(
            f"On {dataset} the fully linear network reached a mean accuracy of {_result(row)}, {verdict}."
        )
    return out + [sentence for d in _datasets(s) for sentence in _sigmoids(s, d)]


def _result(row: pd.Series | None) -> str | None:
    """``75% (0 of 5 seeds at 100%)``: a row's mean accuracy and how many seeds got every sample right."""
    if row is None or not np.isfinite(row["accuracy_mean"]):
        return None
    return (
        f"{pct(float(row['accuracy_mean']))} ({int(row['reached_100'])} of {int(row['runs'])} seeds at 100%)"
    )


def _sigmoids(s: Study, dataset: str) -> list[str]:
    """How the three networks with a sigmoid did on one dataset, in one sentence."""
    both, output_only, hidden_only = (
        _result(_row(s.summary, dataset, NETWORKS[key]))
        for key in (("sigmoid", "sigmoid"), ("none", "sigmoid"), ("sigmoid", "none"))
    )
    if both is None or output_only is None or hidden_only is None:
        return []
    return [
        f"On {dataset}, with sigmoid hidden layers and output the network reached {both}; with the "
        f"sigmoid output only, whose boundary is still a straight line, {output_only}; with sigmoid "
        f"hidden layers only, {hidden_only}."
    ]


def activation_answer(s: Study) -> list[str]:
    """Question A from the same runs: what the hidden non-linearity buys on each dataset."""
    out = []
    for dataset in _datasets(s):
        rows = {key: _row(s.summary, dataset, name) for key, name in NETWORKS.items()}
        full, linear = rows[("sigmoid", "sigmoid")], rows[("none", "none")]
        if full is None or linear is None or not np.isfinite(linear["accuracy_mean"]):
            continue
        a_full, a_lin = float(full["accuracy_mean"]), float(linear["accuracy_mean"])
        if a_lin >= PASS:
            verdict = "a straight boundary is enough for this data"
        elif a_full >= PASS:
            verdict = "only a network with a hidden non-linearity can fit this data"
        else:
            verdict = "neither fitted this data in the epochs given"
        lr = f" (at lr={fmt(s.lr)})" if s.lr is not None else ""
        out.append(
            f"On {dataset}, the network with sigmoid hidden layers reached a mean accuracy of "
            f"{_result(full)}, the fully linear network{lr} one of {_result(linear)}: {verdict}."
        )
    return out
