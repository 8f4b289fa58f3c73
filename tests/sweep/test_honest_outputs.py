"""Sweep outputs that say what happened: runs that ended above their starting loss, the
overrides that were fixed, figure panels with nothing to show, distinct curve colours, and
report progress lines that never interleave."""

from __future__ import annotations

import json
import threading
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.text import Text

from lab1.report.findings import section_findings
from lab1.report.runner import say
from lab1.sweep.figures import NOTHING_REACHED, _style, bars_figure, heatmap_figure
from lab1.sweep.results import load_sweep
from lab1.sweep.summary import LOSS_ROSE, ended_higher, loss_rose, summarise
from tests.helpers import run_cli

FAST = ["print_every=0", "plots.per_job=false", "plots.sweep=false"]


def sweep(tmp_path, *args: str, name: str = "sw"):
    proc = run_cli(["-m", *FAST, *args, f"hydra.sweep.dir={tmp_path / name}"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return tmp_path / name


def table_rows(text: str) -> list[dict[str, str]]:
    """summary.md's table as one dict per row, by column name."""
    lines = [line for line in text.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    return [dict(zip(header, (c.strip() for c in line.strip("|").split("|")))) for line in lines[2:]]


def test_summary_counts_runs_that_ended_above_their_starting_loss(tmp_path):
    sw = sweep(tmp_path, "dataset=xor", "lr=0.1,100", "seed=0,1", "epochs=300")
    rows = {r["lr"]: r for r in table_rows((sw / "summary.md").read_text())}
    assert set(rows) == {"0.1", "100"}
    for lr, row in rows.items():
        jobs = list(sw.glob(f"*lr={lr},*"))
        assert len(jobs) == 2, jobs
        rose = 0
        for job in jobs:
            m = json.loads((job / "metrics.json").read_text())
            rose += m["loss"] is not None and m["loss"] > m["initial_loss"]
        assert row[LOSS_ROSE] == f"{rose}/2", (lr, row)
    assert rows["100"][LOSS_ROSE] != "0/2"  # lr=100 overshoots: the column has something to count
    # the report's findings count the same runs, plus any diverged one, as they always did
    summary = summarise(load_sweep(sw))
    big = summary[summary["lr"] == 100].iloc[0]
    n = int(big["loss_rose"] + big["diverged"])
    assert any(f"lr=100: {n}/2 seeds ended with a higher loss" in s for s in section_findings(summary, "lr"))


def test_the_rule_leaves_diverged_and_failed_runs_to_their_own_counts():
    runs = pd.DataFrame(
        {
            "status": ["ok", "ok", "diverged", "failed", "ok"],
            "loss": [0.5, 0.1, np.nan, np.nan, 0.3],
            "initial_loss": [0.25, 0.25, 0.25, np.nan, np.nan],
        }
    )
    assert loss_rose(runs).tolist() == [True, False, False, False, False]
    summary = pd.DataFrame({"loss_rose": [1], "diverged": [1]})
    assert ended_higher(summary).tolist() == [2]  # the findings: a diverged loss overflowed, so rose too


def test_a_single_valued_override_shows_in_heading_and_table(tmp_path):
    sw = sweep(tmp_path, "dataset=xor", "lr=10", "seed=0,1", "epochs=50")
    text = (sw / "summary.md").read_text()
    heading = text.split("|", 1)[0]  # everything above the table
    assert "Fixed: lr=10, epochs=50" in heading
    assert "seed=" not in heading and "print_every" not in heading and "dataset=" not in heading
    (row,) = table_rows(text)
    assert row["lr"] == "10" and row["epochs"] == "50" and row["runs"] == "2"
    assert "print_every" not in row and "seed" not in row


def _texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def test_bars_say_when_no_run_reached_100(tmp_path):
    sw = sweep(tmp_path, "dataset=xor", "epochs=5", "lr=0.1,1", "seed=0,1", "plots.sweep=true")
    assert (sw / "bars.png").is_file()
    s = load_sweep(sw)
    fig = bars_figure(summarise(s), s.axes)
    try:
        assert any(NOTHING_REACHED in t for t in _texts(fig))
        ax_ep = fig.axes[1]
        assert not ax_ep.patches and not ax_ep.get_xticks().size and not ax_ep.get_yticks().size
        assert "never" not in _texts(fig)  # no per-bar labels on an empty panel
    finally:
        plt.close(fig)


def test_heatmap_says_when_no_run_reached_100(tmp_path):
    sw = sweep(tmp_path, "dataset=xor", "epochs=5", "lr=0.1,1", "hidden=2,3", "seed=0,1", "plots.sweep=true")
    assert (sw / "heatmap.png").is_file() and not (sw / "bars.png").exists()
    s = load_sweep(sw)
    fig = heatmap_figure(summarise(s), s.axes)
    try:
        assert any(NOTHING_REACHED in t for t in _texts(fig))
        # the accuracy panel, its colour bar and the epochs panel: no colour bar for "never" everywhere
        assert len(fig.axes) == 3
        ax_ep = fig.axes[1]  # the panels come first, then the colour bars
        assert ax_ep.get_title() == "xor: median epochs to 100%" and not ax_ep.images
    finally:
        plt.close(fig)


def test_curve_styles_are_distinct_up_to_forty_settings():
    styles = [_style(i) for i in range(40)]
    assert len({(tuple(c), ls) for c, ls in styles}) == 40
    assert len({tuple(c) for c, _ in styles[:10]}) == 10 and {ls for _, ls in styles[:10]} == {"-"}


class Trickle:
    """A stream that writes one character at a time and lets other threads run in between."""

    def __init__(self) -> None:
        self.chars: list[str] = []

    def write(self, text: str) -> int:
        for ch in text:
            self.chars.append(ch)
            time.sleep(0)
        return len(text)

    def flush(self) -> None:
        pass


def test_report_progress_lines_never_interleave():
    stream = Trickle()
    start = threading.Barrier(8)

    def worker(t: int) -> None:
        start.wait()
        for i in range(50):
            say(f"lab1.report: sweep{t}: line {i} complete, reused", stream)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    lines = "".join(stream.chars).split("\n")
    assert lines[-1] == ""
    expected = {f"lab1.report: sweep{t}: line {i} complete, reused" for t in range(8) for i in range(50)}
    assert len(lines[:-1]) == 400 and set(lines[:-1]) == expected
