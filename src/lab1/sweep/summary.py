"""A sweep's results grouped over seeds, and the Markdown tables written from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from lab1.sweep.results import Sweep, fmt, sort_key


def _finite(values: pd.Series) -> np.ndarray:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    return x[np.isfinite(x)]


def loss_rose(runs: pd.DataFrame) -> pd.Series:
    """The one rule for a run that failed to learn: its final loss is finite and higher than
    its initial loss (``loss > initial_loss`` of metrics.json). A diverged run (final loss
    null: it overflowed) is not counted here but under ``diverged``; a failed one has no
    loss and is not counted either."""
    if runs.empty:
        return pd.Series(False, index=runs.index, dtype=bool)
    start = pd.to_numeric(runs.get("initial_loss", pd.Series(np.nan, index=runs.index)), errors="coerce")
    end = pd.to_numeric(runs.get("loss", pd.Series(np.nan, index=runs.index)), errors="coerce")
    finished = (runs["status"] == "ok") if "status" in runs else pd.Series(True, index=runs.index)
    return finished & np.isfinite(end) & np.isfinite(start) & (end > start)


def ended_higher(summary: pd.DataFrame) -> pd.Series:
    """Per summary row, the seeds that ended with a higher loss than they started: those
    ``loss_rose`` counts plus the diverged ones, whose loss overflowed (the findings' count)."""
    return summary["loss_rose"] + summary["diverged"]


def _group_stats(g: pd.DataFrame) -> dict[str, Any]:
    """The numbers of one setting over its seeds."""
    finished = g[g["status"] != "failed"]
    loss = _finite(finished.get("loss", pd.Series(dtype=float)))
    acc = _finite(finished.get("accuracy", pd.Series(dtype=float)))
    reached = _finite(finished.get("epochs_to_100", pd.Series(dtype=float)))
    diverged = int((finished["status"] == "diverged").sum())
    return {
        "runs": len(g),
        "failed": int((g["status"] == "failed").sum()),
        "loss_mean": loss.mean() if loss.size else np.nan,
        "loss_std": loss.std(ddof=1) if loss.size > 1 else np.nan,
        "accuracy_mean": acc.mean() if acc.size else np.nan,
        "accuracy_std": acc.std(ddof=1) if acc.size > 1 else np.nan,
        "reached_100": int(reached.size),
        "epochs_to_100_median": float(np.median(reached)) if reached.size else np.nan,
        "diverged": diverged,
        "loss_rose": int(loss_rose(g).sum()),  # a finite loss above where it started
    }


def summarise(sweep: Sweep) -> pd.DataFrame:
    """One row per dataset and swept setting: mean and std over seeds, counts, medians."""
    table = sweep.table
    if table.empty:
        return pd.DataFrame()
    keys = [k for k in ("dataset", *sweep.axes) if k in table.columns]
    rows = []
    for values, g in table.groupby(keys, sort=False, dropna=False):  # a list of keys: tuples (pandas 2)
        rows.append({**dict(zip(keys, values)), **_group_stats(g)})
    out = pd.DataFrame(rows)
    order = sorted(range(len(out)), key=lambda i: tuple(sort_key(out[k].iloc[i]) for k in keys))
    return out.iloc[order].reset_index(drop=True)


def _pm(mean: float, std: float, spec: str, std_spec: str, scale: float = 1.0) -> str:
    """``mean ± std`` in these formats: "-" without a mean, the mean alone without a std."""
    if not np.isfinite(mean):
        return "-"
    std_text = f" ± {scale * std:{std_spec}}" if np.isfinite(std) else ""
    return f"{scale * mean:{spec}}{std_text}"


LOSS_ROSE = "ended above initial loss"


def display(
    summary: pd.DataFrame, axes: Sequence[str], fixed: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """The summary as the text columns a reader sees, then a column per ``fixed`` key."""
    keys = [k for k in ("dataset", *axes) if k in summary.columns]
    out = pd.DataFrame({k: summary[k].map(fmt) for k in keys})
    out["runs"] = summary["runs"].astype(str)
    out["final loss"] = [_pm(m, s, ".3g", ".2g") for m, s in zip(summary["loss_mean"], summary["loss_std"])]
    out["accuracy (%)"] = [
        _pm(m, s, ".1f", ".1f", 100.0) for m, s in zip(summary["accuracy_mean"], summary["accuracy_std"])
    ]
    out["reached 100%"] = [f"{r}/{n}" for r, n in zip(summary["reached_100"], summary["runs"])]
    out["median epochs to 100%"] = [
        f"{m:.0f}" if np.isfinite(m) else "never" for m in summary["epochs_to_100_median"]
    ]
    out[LOSS_ROSE] = [f"{r}/{n}" for r, n in zip(summary["loss_rose"], summary["runs"])]
    out["diverged"] = summary["diverged"].astype(str)
    if summary["failed"].any():
        out["failed"] = summary["failed"].astype(str)
    for key, value in (fixed or {}).items():
        if key not in out.columns:
            out[key] = fmt(value)
    return out


def markdown(frame: pd.DataFrame) -> str:
    """A pipe table (pandas' own needs the optional ``tabulate``)."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v).replace("|", "\\|") for v in row) + " |" for row in frame.to_numpy()]
    return "\n".join([header, rule, *body])
