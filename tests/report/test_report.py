"""The generated report on a reduced setting: every section and figure, findings from the runs."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lab1.report import findings
from lab1.report.document import SWEEPS
from lab1.report.runner import NO_BASELINE_RUNS
from lab1.sweep.results import load_sweep
from lab1.sweep.summary import summarise
from tests.helpers import run_cli, wait_for

ARGS = ["--epochs", "100", "--seeds", "1", "--out", "rep"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    proc = run_cli(ARGS, root, module="lab1.report", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, proc


SECTIONS = [  # the handout's structure, in order
    "1 Introduction",
    "2 Implementation details",
    "A. Sigmoid function",
    "B. Neural network architecture",
    "C. Backpropagation",
    "3 Experimental results",
    "A. Screenshot and comparison figure",
    "B. Accuracy of the prediction",
    "C. Learning curve",
    "D. Anything else",
    "4 Discussion",
    "A. Different learning rates",
    "B. Different numbers of hidden units",
    "C. Without activation functions",
    "D. Anything else: weight initialisation",
    "5 Questions",
    "A. What are the activation functions for?",
    "B. What happens if the learning rate is too large or too small?",
    "C. What are weights and biases for?",
    "6 Extra",
    "A. Optimizers",
    "B. Activation functions",
    "C. Convolutional layers",
]


def _in_order(text: str, items: list[str]) -> None:
    at = 0
    for item in items:
        found = text.find(item, at)
        assert found >= 0, f"{item!r} missing or out of order"
        at = found + len(item)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_report_has_every_section_and_figure(report):
    root, _ = report
    text = (root / "rep" / "report.md").read_text()
    headings = [line.lstrip("#").strip() for line in text.splitlines() if line.startswith("##")]
    _in_order("\n".join(headings), SECTIONS)
    images = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    for image in images:
        assert (root / "rep" / image).is_file(), image
    for name in ("lr", "hidden", "no_activation", "init", "optimizers", "activations", "bias", "conv"):
        assert any(i.startswith(f"{name}_learning_curves") for i in images), name
        assert any(i.startswith(name) and ("bars" in i or "heatmap" in i) for i in images), name
    for dataset in ("linear", "xor"):
        for fig in ("comparison", "learning_curve", "decision_boundary"):
            assert f"baseline_{dataset}_{fig}.png" in images
    for fig in ("intro_datasets.png", "impl_sigmoid.png", "impl_architecture.png", "conv_filters.png"):
        assert fig in images
    assert text.count("**Findings.**") == 7
    assert text.count("Iter0 | Ground truth: ") == 2  # the prediction listing of each dataset
    assert "Iter99 | Ground truth" in text and "Iter20 | Ground truth" in text
    assert text.index("Iter0 | Ground truth") > text.index("Appendix")  # listings in the appendix


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_pdf_has_the_sections_captions_and_the_code_that_ran(report):
    from lab1.report.implementation import QUOTED, source

    root, _ = report
    pdf = _pdf_text(root / "rep" / "report.pdf")
    assert "Contents" in pdf
    body = pdf[pdf.index("1 Introduction", pdf.index("Contents") + 200) :]  # past the outline
    _in_order(_flat(body), [_flat(s) for s in SECTIONS])
    md = (root / "rep" / "report.md").read_text()
    captions = re.findall(r"^\*((?:Figure|Table|Listing) \d+): (.*)\*$", md, flags=re.M)
    assert len(captions) > 30
    for number, caption in captions:
        plain = _flat(f"{number}: {caption}".replace("`", ""))
        assert plain in _flat(pdf), caption
    for label in QUOTED:
        assert _flat(source(label)) in _flat(pdf), label
    assert "Iter20|Groundtruth:1|prediction:" in _flat(pdf)


def test_report_numbers_come_from_the_runs(report):
    root, _ = report
    text = (root / "rep" / "report.md").read_text()
    base = root / "rep" / "sweeps" / "epochs100_seeds1"
    for job in (base / "baseline").glob("*dataset=xor*"):
        m = json.loads((job / "metrics.json").read_text())
        assert f"loss={m['loss']:.10g} accuracy={100 * m['accuracy']:.2f}%" in text
    lr = summarise(load_sweep(base / "lr"))
    for sentence in findings.section_findings(lr, "lr"):
        assert sentence in text


def test_discussion_sweeps_copy_the_baseline_runs(report):
    """Each discussion sweep holds the baseline's runs: it copies them, every one, and
    starts only once the baseline is over; conv (image data) shares none."""
    root, proc = report
    base = root / "rep" / "sweeps" / "epochs100_seeds1"
    baseline = {json.loads(p.read_text())["config_hash"] for p in (base / "baseline").glob("*/metrics.json")}
    assert len(baseline) == 2  # one seed on each dataset
    for name in set(SWEEPS) - NO_BASELINE_RUNS:
        log = (base / f"{name}.log").read_text()
        assert log.count(f"copied the finished run of this config from {base / 'baseline'}/") == 2, name
        hashes = {json.loads(p.read_text())["config_hash"] for p in (base / name).glob("*/metrics.json")}
        assert baseline <= hashes, name
    assert "copied" not in (base / "conv.log").read_text()
    started = [line.split(":")[1].strip() for line in proc.stdout.splitlines() if ": running (" in line]
    assert set(started[:2]) == {"baseline", "conv"} and set(started) == set(SWEEPS)


def test_findings_change_when_the_runs_change(report, tmp_path):
    root, _ = report
    sweep = load_sweep(root / "rep" / "sweeps" / "epochs100_seeds1" / "lr")
    before = findings.section_findings(summarise(sweep), "lr")
    # the same sweep, had the smallest learning rate reached 100% at epoch 7 on xor
    small = (sweep.table.lr == sweep.table.lr.min()) & (sweep.table.dataset == "xor")
    sweep.table.loc[small, ["accuracy", "epochs_to_100"]] = [1.0, 7.0]
    after = findings.section_findings(summarise(sweep), "lr")
    assert before != after
    assert any("fastest lr=0.0001 (median 7 epochs)" in s for s in after)
    assert not any("fastest lr=0.0001" in s for s in before)


def _copy_report(root: Path, tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(root / "rep", tmp_path / "rep")
    return tmp_path


def test_pdf_findings_change_when_the_runs_change(report, tmp_path):
    """Edit one finished run's results; the report written again says something else."""
    work = _copy_report(report[0], tmp_path)
    before = _flat(_pdf_text(work / "rep" / "report.pdf"))
    lr = work / "rep" / "sweeps" / "epochs100_seeds1" / "lr"
    job = next(p for p in lr.glob("*lr=0.0001*") if "dataset=xor" in p.name)
    m = json.loads((job / "metrics.json").read_text())
    m.update(accuracy=1.0, epochs_to_100=7)
    (job / "metrics.json").write_text(json.dumps(m))
    proc = run_cli(ARGS, work, module="lab1.report")
    assert proc.returncode == 0, proc.stderr
    after = _flat(_pdf_text(work / "rep" / "report.pdf"))
    assert before != after
    assert _flat("fastest lr=0.0001 (median 7 epochs)") in after and _flat("fastest lr=0.0001") not in before


def test_a_pdf_typst_rejects_leaves_report_md_and_no_pdf(report, tmp_path):
    """A figure Typst cannot decode: report.md and the figures are written, report.pdf is
    not, one line names the problem, and the exit code is not zero."""
    work = _copy_report(report[0], tmp_path)
    baseline = work / "rep" / "sweeps" / "epochs100_seeds1" / "baseline"
    for png in baseline.glob("*/comparison.png"):  # kept by resume, so copied as it is
        png.write_bytes(b"not a png")
    proc = run_cli(ARGS, work, module="lab1.report")
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert (
        len(errors) == 1
        and errors[0].startswith("lab1.report: error: Typst rejected")
        and "Traceback" not in proc.stderr
    )
    assert (work / "rep" / "report.md").is_file() and (work / "rep" / "intro_datasets.png").is_file()
    assert not (work / "rep" / "report.pdf").exists()
    assert not list((work / "rep").glob(".report.pdf*"))


def test_report_reuses_its_runs(report):
    root, _ = report
    proc = run_cli(ARGS, root, module="lab1.report")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("complete, reused") == len(SWEEPS)
    assert "spent 0 s running the sweeps" in (root / "rep" / "report.md").read_text()


def test_report_rejects_bad_flags(tmp_path):
    proc = run_cli(["--seeds", "0"], tmp_path, module="lab1.report")
    assert proc.returncode == 2 and "--seeds 0: must be an integer >= 1" in proc.stderr
    proc = run_cli(["--jobs", "0"], tmp_path, module="lab1.report")
    assert proc.returncode == 2 and "--jobs 0: must be an integer >= 1" in proc.stderr
    assert not (tmp_path / "outputs").exists()


def test_a_failing_sweep_stops_the_report_with_its_reason(tmp_path):
    proc = run_cli([*ARGS, "--launcher", "nope"], tmp_path, module="lab1.report")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert (
        "lab1.report: error: sweep baseline failed (exit 2): lab1: error: launcher='nope' is not allowed"
        in proc.stderr
    )
    # after the first failure no other sweep starts; only the two started together ran
    assert proc.stdout.count(": running (") == 2
    assert not (tmp_path / "rep" / "report.md").exists()


def test_ctrl_c_stops_the_report_and_every_running_sweep(tmp_path):
    """Ctrl-C (SIGINT to the report's process group, as from a terminal) reaches each
    running sweep once; all stop with one line each and no traceback, exit 130."""
    out = str(tmp_path / "rep")  # absolute: it names this call's sweeps in their command lines
    cmd = [sys.executable, "-m", "lab1.report", "--epochs", "20000", "--seeds", "2", "--out", out]
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    base = tmp_path / "rep" / "sweeps" / "epochs20000_seeds2"
    # until both first sweeps are past start-up
    wait_for(lambda: len({p.parents[2] for p in base.glob("*/*/.hydra/config.yaml")}) >= 2)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err.strip() == "lab1.report: interrupted; every finished run is kept (run the same command again)"
    logs = sorted(base.glob("*.log"))
    assert len(logs) == out.count(": running (") == 2  # nothing started after Ctrl-C
    for log in logs:
        text = log.read_text()
        assert "Traceback" not in text and text.strip().splitlines()[-1].startswith("lab1: interrupted"), text
    assert not (tmp_path / "rep" / "report.md").exists()
    assert not _processes_mentioning(str(tmp_path))  # no sweep or worker left running


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line contains ``text`` (Linux /proc)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            if text in cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"):
                found.append(int(cmdline.parent.name))
    return found
