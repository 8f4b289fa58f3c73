"""The generated report, from one quick report built once for the module (a few epochs, one
seed) and read back: its sections, its PDF as a grader reads it, its numbers and findings
from the runs, its pages; then one more call of it, reusing its runs."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lab1.report import findings, no_activation
from lab1.report.document import SWEEPS
from lab1.report.runner import NO_BASELINE_RUNS
from lab1.sweep.results import load_sweep
from lab1.sweep.summary import summarise
from tests.helpers import run_cli, wait_for

EPOCHS, SEEDS = 60, 1
NAME, ID = "Ada Lovelace", "0123456"
ARGS = ["--epochs", str(EPOCHS), "--seeds", str(SEEDS), "--out", "rep", "--author", NAME, "--student-id", ID]
BASE = Path("rep") / "sweeps" / f"epochs{EPOCHS}_seeds{SEEDS}"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """One quick report for the whole module: (its directory's parent, the finished process)."""
    root = tmp_path_factory.mktemp("report")
    proc = run_cli(ARGS, root, module="lab1.report", timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, proc


@pytest.fixture(scope="module")
def pdf(report):
    """The PDF's text, page by page, as pypdf reads it."""
    from pypdf import PdfReader

    reader = PdfReader(report[0] / "rep" / "report.pdf")
    return reader, [page.extract_text() for page in reader.pages]


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
    "Colophon",
]
ENGINE_WORDS = ("_plan", "_copied", "stacked", "squeeze", ".theta", "Dense", "population", "SIMD", "np.dot")


def _in_order(text: str, items: list[str]) -> None:
    at = 0
    for item in items:
        found = text.find(item, at)
        assert found >= 0, f"{item!r} missing or out of order"
        at = found + len(item)


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _between(text: str, start: str, end: str) -> str:
    """The part of ``text`` from its last ``start`` (past the contents) to the ``end`` after it."""
    at = text.rindex(start)
    return text[at : text.index(end, at)]


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
    for name in ("lr", "hidden", "init", "optimizers", "activations", "bias", "conv"):
        assert any(i.startswith(name) and "bars" in i for i in images), name
    for dataset in ("linear", "xor"):
        for fig in ("comparison", "learning_curve", "decision_boundary", "frames"):
            assert f"baseline_{dataset}_{fig}.png" in images
    for fig in ("intro_datasets.png", "impl_sigmoid.png", "impl_architecture.png", "conv_filters.png"):
        assert fig in images
    assert text.count("**Findings.**") == 7


def test_the_sweeps_draw_no_figure_the_report_leaves_out(report):
    """The report draws every figure it shows itself: its sweeps' runs draw none (no per-run
    figure, no animation, no sweep figure), and every picture in its folder is in report.md."""
    root, _ = report
    out = root / "rep"
    drawn = [p for p in (out / "sweeps").rglob("*") if p.suffix in (".png", ".gif", ".svg")]
    assert drawn == []
    shown = set(re.findall(r"!\[[^]]*\]\(([^)]+)\)", (out / "report.md").read_text()))
    pictures = {str(p.relative_to(out)) for p in out.rglob("*") if p.suffix in (".png", ".gif", ".svg")}
    assert pictures and pictures <= shown


def test_pdf_names_the_student_on_the_title_page_and_in_its_metadata(pdf):
    reader, pages = pdf
    assert pages[0].splitlines()[:3] == ["Lab 1: back-propagation", NAME, f"Student ID: {ID}"]
    assert reader.metadata.author == NAME and ID in reader.metadata["/Keywords"]
    assert reader.metadata.title == "Lab 1: back-propagation"


def test_pdf_has_the_sections_captions_and_the_readable_code(report, pdf):
    from lab1.report.implementation import QUOTED, source

    _, pages = pdf
    text = "\n".join(pages)
    body = text[text.index("1 Introduction", text.index("Contents") + 200) :]  # past the outline
    _in_order(_flat(body), [_flat(s) for s in SECTIONS])
    md = (report[0] / "rep" / "report.md").read_text()
    captions = re.findall(r"^\*((?:Figure|Table|Listing) \d+): (.*)\*$", md, flags=re.M)
    assert len(captions) > 30
    for number, caption in captions:
        plain = _flat(f"{number}: {caption}".replace("`", ""))
        assert plain in _flat(text), caption
    for label in QUOTED:
        assert _flat(source(label)) in _flat(text), label
    section2 = _between(text, "2 Implementation details", "3 Experimental results")
    assert "src/lab1/nn/reference.py" in section2 and "tests/nn/test_reference.py" in section2
    assert not [w for w in ENGINE_WORDS if w in section2]


def test_quoted_code_says_nothing_of_speed():
    from lab1.report.implementation import QUOTED, source

    for label in QUOTED:
        words = set(re.findall(r"[a-z]+", source(label).lower()))
        assert not words & {"speed", "fast", "faster", "simd", "population", "populations", "benchmark"}, (
            label
        )


def test_pdf_shows_the_console_output_in_3a(report, pdf):
    _, pages = pdf
    part = _between("\n".join(pages), "A. Screenshot and comparison figure", "B. Accuracy of the prediction")
    base = report[0] / BASE / "baseline"
    for dataset, samples in (("linear", 100), ("xor", 21)):
        assert f"$ python -m lab1 dataset={dataset}" in part
        (job,) = base.glob(f"dataset={dataset},*")
        m = json.loads((job / "metrics.json").read_text())
        assert f"loss={m['loss']:.10g} accuracy={100 * m['accuracy']:.2f}%" in part
        assert f"Iter{samples - 1} | Ground truth: " in part
    assert part.count("epoch 0 loss : ") == 2 and f"epoch {EPOCHS} loss : " in part
    assert "Generated by" not in part


def test_the_body_says_nothing_of_the_tool(pdf):
    _, pages = pdf
    text = "\n".join(pages)
    body, colophon = text[: text.rindex("Colophon")], text[text.rindex("Colophon") :]
    for words in ("Generated by", "this call", "python -m lab1.report", "spent"):
        assert words not in body, words
    assert f"python -m lab1.report --epochs {EPOCHS} --seeds {SEEDS}" in colophon


def test_the_fully_linear_network_has_numbers_in_4c(report, pdf):
    _, pages = pdf
    part = _between("\n".join(pages), "C. Without activation functions", "D. Anything else")
    base = report[0] / BASE
    rates = summarise(load_sweep(base / no_activation.LR_SWEEP))
    lr = no_activation.chosen_lr(rates)
    assert lr is not None
    rows = re.findall(r"^(linear|xor) fully linear (\S+) (\d+) (\S+) (\S+) ", part, flags=re.M)
    assert [r[0] for r in rows] == ["linear", "xor"]
    for _, shown_lr, _, loss, accuracy in rows:
        assert float(shown_lr) == lr and np.isfinite(float(loss)) and 0 <= float(accuracy) <= 100
    assert _flat(f"was lr={lr:g}, and it is shown at that rate") in _flat(part)


def test_findings_and_question_a_agree_with_the_runs(report):
    root, _ = report
    text = (root / "rep" / "report.md").read_text()
    sweeps = {name: load_sweep(root / BASE / name) for name in (no_activation.SWEEP, no_activation.LR_SWEEP)}
    s = no_activation.study(sweeps)
    for sentence in [*no_activation.findings(s), *no_activation.activation_answer(s)]:
        assert sentence in text
    linear = s.summary[s.summary[no_activation.AXIS] == no_activation.LINEAR]
    for _, row in linear.iterrows():  # what the verdict rests on, read from the runs
        acc, chance = float(row["accuracy_mean"]), s.chance[row["dataset"]]
        said = f"On {row['dataset']} the fully linear network reached a mean accuracy of {100 * acc:.0f}%"
        sentence = text[text.index(said) :].split(".\n")[0]
        if acc >= 0.9:
            assert "at least the 90% pass mark" in sentence
        elif acc <= chance + 0.1:
            assert f"near the {100 * chance:.0f}% of always answering the larger class" in sentence
        else:
            assert "below the pass mark" in sentence


def test_report_numbers_come_from_the_runs(report):
    root, _ = report
    text = (root / "rep" / "report.md").read_text()
    lr = summarise(load_sweep(root / BASE / "lr"))
    for sentence in findings.section_findings(lr, "lr"):
        assert sentence in text


def test_findings_are_sentences(report):
    text = (report[0] / "rep" / "report.md").read_text()
    paragraphs = [p for p in text.split("\n\n") if p.startswith(("**Findings.**", "**From the runs**"))]
    assert len(paragraphs) == 10
    for paragraph in paragraphs:
        body = re.sub(r"^\([^)]*\)\. ", "", paragraph.split("** ", 1)[1])  # past "(Table 4)."
        assert " / " not in body and "=none / " not in body, paragraph
        for sentence in re.split(r"(?<=\.) (?=[A-Z])", body):
            assert sentence[0].isupper() and sentence.endswith("."), sentence


def test_discussion_sweeps_copy_the_baseline_runs(report):
    """Each discussion sweep holds the baseline's runs: it copies them, every one, and
    starts only once the baseline is over; conv and the linear network's rates share none."""
    root, proc = report
    base = root / BASE
    baseline = {json.loads(p.read_text())["config_hash"] for p in (base / "baseline").glob("*/metrics.json")}
    assert len(baseline) == 2  # one seed on each dataset
    for name in set(SWEEPS) - NO_BASELINE_RUNS:
        log = (base / f"{name}.log").read_text()
        assert log.count(f"copied the finished run of this config from {base / 'baseline'}/") == 2, name
        hashes = {json.loads(p.read_text())["config_hash"] for p in (base / name).glob("*/metrics.json")}
        assert baseline <= hashes, name
    for name in NO_BASELINE_RUNS - {"baseline"}:
        assert "copied" not in (base / f"{name}.log").read_text()
    started = [line.split(":")[1].strip() for line in proc.stdout.splitlines() if ": running (" in line]
    assert set(started[:2]) <= NO_BASELINE_RUNS and set(started) == set(SWEEPS)


def _blank_bands(typ: Path, pdf: Path) -> list[tuple[int, float, bool]]:
    """(page, the tallest band of its text area with no ink, as a fraction, whether the page
    ends its section: the next page's text area opens with a section heading, or it is the last)."""
    import typst
    from PIL import Image
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    opens = set()
    for item in reader.outline:
        if isinstance(item, list):  # subsections
            continue
        page = reader.get_destination_page_number(item)
        height = float(reader.pages[page].mediabox.height)
        if float(item.top) > height * (1 - 2.2 / 29.7) - 40:
            opens.add(page)
    out = []
    pages = typst.compile(str(typ), format="png", ppi=24, root=str(typ.parent))
    for i, png in enumerate(pages):
        grey = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
        margin = int(2.2 / 29.7 * grey.shape[0])
        blank = (grey[margin:-margin] > 245).all(axis=1)
        longest = run = 0
        for row in blank:
            run = run + 1 if row else 0
            longest = max(longest, run)
        out.append((i + 1, longest / len(blank), i + 1 in opens or i == len(pages) - 1))
    return out


def test_no_page_is_more_than_a_third_blank_but_at_a_sections_end(report):
    rep = report[0] / "rep"
    bands = _blank_bands(rep / "report.typ", rep / "report.pdf")
    assert len(bands) > 10
    blank = [
        (page, f"{100 * frac:.0f}%") for page, frac, section_end in bands if frac > 1 / 3 and not section_end
    ]
    assert not blank, f"pages more than a third blank: {blank}"


def test_findings_change_when_the_runs_change(report):
    root, _ = report
    sweep = load_sweep(root / BASE / "lr")
    before = findings.section_findings(summarise(sweep), "lr")
    # the same sweep, had the smallest learning rate reached 100% at epoch 7 on xor
    small = (sweep.table.lr == sweep.table.lr.min()) & (sweep.table.dataset == "xor")
    sweep.table.loc[small, ["accuracy", "epochs_to_100"]] = [1.0, 7.0]
    after = findings.section_findings(summarise(sweep), "lr")
    assert before != after
    assert any(
        "lr=0.0001 reached 100% accuracy in the only seed, after a median of 7 epochs" in s for s in after
    )


def test_a_second_call_reuses_every_sweep(report, monkeypatch, capsys):
    """The same command again finds every sweep complete and starts none."""
    from lab1.report.__main__ import parse
    from lab1.report.runner import run_sweeps

    monkeypatch.chdir(report[0])  # where the report was made: its sweeps' command lines name rep/
    assert run_sweeps(BASE, list(SWEEPS), parse(ARGS)) == 0.0
    out = capsys.readouterr().out
    assert out.count("complete, reused") == len(SWEEPS) and ": running (" not in out


@pytest.mark.slow
def test_a_second_call_reports_what_the_runs_now_hold(report, tmp_path):
    """Edit one finished run's results; the report written again says something else."""
    shutil.copytree(report[0] / "rep", tmp_path / "rep")
    job = next((tmp_path / BASE / "lr").glob("dataset=xor,*lr=0.0001*"))
    m = json.loads((job / "metrics.json").read_text())
    m.update(accuracy=1.0, epochs_to_100=7)
    (job / "metrics.json").write_text(json.dumps(m))
    proc = run_cli(ARGS, tmp_path, module="lab1.report")
    assert proc.returncode == 0, proc.stderr
    from pypdf import PdfReader

    after = _flat("\n".join(p.extract_text() for p in PdfReader(tmp_path / "rep" / "report.pdf").pages))
    assert _flat("lr=0.0001 reached 100% accuracy in the only seed, after a median of 7 epochs") in after


def test_a_pdf_typst_rejects_leaves_no_pdf(tmp_path):
    """Typst refuses the document: one line names the problem, no report.pdf, no temporary file."""
    from lab1.report.typst import PdfError, compile_pdf

    (tmp_path / "report.pdf").write_text("an earlier call's")
    with pytest.raises(PdfError) as err:
        compile_pdf('#image("missing.png")\n', tmp_path)
    assert str(err.value).startswith("Typst rejected") and "\n" not in str(err.value)
    assert not (tmp_path / "report.pdf").exists() and not list(tmp_path.glob(".report.pdf*"))


def test_a_failing_sweep_stops_the_report_with_its_reason(tmp_path, monkeypatch, capsys):
    """A sweep that fails (its real ``python -m lab1``, refusing the launcher) stops the
    report with that sweep's own last line: no other sweep starts after it (one at a time)."""
    from lab1.report.__main__ import parse
    from lab1.report.runner import run_sweeps

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as end:
        run_sweeps(BASE, list(SWEEPS), parse([*ARGS, "--launcher", "nope", "--jobs", "1"]))
    message = str(end.value.code)
    assert message.startswith("lab1.report: error: sweep ") and "launcher='nope' is not allowed" in message
    assert "Traceback" not in message
    assert capsys.readouterr().out.count(": running (") == 1
    assert not (tmp_path / "rep" / "report.md").exists()


@pytest.mark.slow
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
    """Live processes whose command line or working directory contains ``text`` (Linux /proc):
    a sweep forked from the report's server process has that server's command line."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if text in cmdline or text in os.readlink(proc / "cwd"):
                found.append(int(proc.name))
    return found
