"""Hand-in zips and a class of them, through the real command: format, run, report, results on disk."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from lab1.check import pdf, submission
from lab1.check.__main__ import main
from tests.helpers import process_gone, wait_for

STUDENTS = Path(__file__).parent / "students"


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data)  # ZipInfo keeps a name such as ../evil.txt as it is
    return path


def _student(name: str) -> bytes:
    return (STUDENTS / name).read_bytes()


@pytest.fixture(scope="module")
def klass(tmp_path_factory, reports):
    """A class of four: a good hand-in, one with several findings, a bad one, and not a zip at all."""
    root = tmp_path_factory.mktemp("class")
    zips = root / "zips"
    zips.mkdir()
    full, no_questions = reports["full"].read_bytes(), reports["no_questions"].read_bytes()
    _zip(
        zips / "DL_LAB1_0856001_Alice.zip",
        {"handout.py": _student("handout.py"), "layers.py": _student("layers.py"), "report.pdf": full,
         "__MACOSX/._handout.py": b"\x00\x05junk"},
    )  # fmt: skip
    _zip(
        zips / "DL_LAB1_0856002_Bob.zip",
        {
            "DL_LAB1_0856002_Bob/functions.py": _student("functions.py"),
            "DL_LAB1_0856002_Bob/report.pdf": no_questions,
        },
    )
    _zip(
        zips / "lab1_0856003_carol.zip",
        {"crash.py": _student("crash.py"), "report.pdf": full, "../evil.txt": b"x", "/abs.txt": b"x"},
    )
    (zips / "DL_LAB1_0856004_Dan.zip").write_bytes(b"this is not a zip file")
    proc = subprocess.run(
        [sys.executable, "-m", "lab1.check", str(zips), "--jobs", "2", "--timeout", "120"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    out = root / proc.stdout.rstrip().splitlines()[-1].removeprefix("lab1: wrote ")
    records = {r["student_id"]: r for r in json.loads((out / "check.json").read_text())}
    return proc, out, records


def test_the_class_is_one_row_each_sorted_by_student_id(klass):
    proc, out, records = klass
    assert proc.stdout.rstrip().splitlines()[-1] == f"lab1: wrote {out.relative_to(out.parents[3])}"
    assert list(records) == ["0856001", "0856002", "0856003", "0856004"]  # leading zeros kept
    with open(out / "check.csv") as f:
        table = list(csv.DictReader(f))
    assert [row["student_id"] for row in table] == list(records)
    assert [row["status"] for row in table] == ["ok", "ok", "crashed", "not_run"]
    shown = proc.stdout.splitlines()[-6:-1]  # the terminal's table: a header and four rows
    assert shown[0].split()[:4] == ["student_id", "name", "format_ok", "status"]
    assert [line.split()[:4] for line in shown[1:]] == [
        [row["student_id"], row["name"], row["format_ok"], row["status"]] for row in table
    ]
    md = (out / "check.md").read_text()
    assert "| 0856002 | Bob | yes | ok | NO |" in md


def test_json_keys(klass):
    _, _, records = klass
    keys = {"student_id", "name", "format_ok", "status", "seconds", "forbidden_imports", "generators", "runs"}
    keys |= {"passed", "missing_sections", "figures"}
    for record in records.values():
        assert keys <= set(record)


def test_a_good_hand_in(klass):
    _, out, records = klass
    alice = records["0856001"]
    assert (alice["name"], alice["format_ok"], alice["format_problems"], alice["status"]) == (
        "Alice",
        True,
        [],
        "ok",
    )
    assert alice["entry"] == "handout.py" and alice["entry_reason"] == "it calls a generator"
    assert [
        (r["dataset"], r["predictions"], r["accuracy"], r["claimed_accuracy"]) for r in alice["runs"]
    ] == [
        ("linear", 100, 1.0, 1.0),
        ("xor", 21, 1.0, 1.0),
    ]
    assert alice["runs"][0]["first_epoch"] == 0 and alice["runs"][0]["last_epoch"] == 800
    assert alice["passed"] and alice["forbidden_imports"] == []
    assert alice["generators"] == {"generate_linear": "intact", "generate_XOR_easy": "intact"}
    assert alice["missing_sections"] == [] and alice["report"] == "report.pdf"
    assert alice["figures"] == [
        "figures/DL_LAB1_0856001_Alice/01-show.png",
        "figures/DL_LAB1_0856001_Alice/02-show.png",
    ]
    assert all((out / f).read_bytes()[:4] == b"\x89PNG" for f in alice["figures"])


def test_a_forbidden_import_a_modified_generator_and_a_report_without_questions(klass):
    _, out, records = klass
    bob = records["0856002"]
    assert bob["format_ok"] and bob["entry"] == "DL_LAB1_0856002_Bob/functions.py"
    assert bob["forbidden_imports"] == [
        {"module": "torch", "file": "DL_LAB1_0856002_Bob/functions.py", "line": 9}
    ]
    assert bob["generators"] == {"generate_linear": "modified", "generate_XOR_easy": "intact"}
    (linear,) = [g for g in bob["generator_details"] if g["name"] == "generate_linear"]
    assert linear["differs_at"] == 16
    assert [(r["dataset"], r["predictions"]) for r in bob["runs"]] == [("linear", 100), ("xor", 21)]
    assert [r["claimed_accuracy"] is not None for r in bob["runs"]] == [True, True]
    assert bob["runs"][1]["accuracy"] < 0.9 and not bob["passed"]
    assert bob["runs"][0]["loss_lines"] == 3 and bob["runs"][0]["last_epoch"] == 300
    assert bob["missing_sections"] == [{"section": "5", "title": "Questions", "weight": 0.2}]
    md = (out / "check.md").read_text()
    assert (
        "5 Questions: not found (20%)" in md
        and "forbidden import: `torch` at DL_LAB1_0856002_Bob/functions.py:9" in md
    )


def test_a_bad_name_refused_entries_and_a_crash(klass):
    _, _, records = klass
    carol = records["0856003"]
    assert (carol["name"], carol["format_ok"], carol["status"]) == ("carol", False, "crashed")
    assert carol["refused_entries"] == ["../evil.txt", "/abs.txt"]
    assert carol["format_problems"] == [
        "name 'lab1_0856003_carol.zip' is not DL_LAB1_<studentID>_<name>.zip",
        "entry '../evil.txt' points outside the zip: refused",
        "entry '/abs.txt' points outside the zip: refused",
    ]
    assert carol["last_lines"][-1].startswith("ValueError") and carol["runs"][0]["loss_lines"] == 3


def test_garbage_is_a_row_not_a_stop(klass):
    _, _, records = klass
    dan = records["0856004"]
    assert (dan["status"], dan["format_ok"], dan["runs"]) == ("not_run", False, [])
    assert dan["format_problems"][0].startswith("not a readable zip file (BadZipFile")


def test_entries_pointing_outside_are_never_written(tmp_path):
    archive = _zip(
        tmp_path / "a.zip",
        {"../evil.txt": b"x", "ok/../../evil2.txt": b"x", "C:/evil3.txt": b"x", "good.py": b"1"},
    )
    dest = tmp_path / "deep" / "dest"
    dest.mkdir(parents=True)
    unpacked = submission.unpack(archive, dest)
    assert unpacked.refused == ["../evil.txt", "ok/../../evil2.txt", "C:/evil3.txt"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()) == [
        "a.zip",
        "deep/dest/good.py",
    ]


@pytest.mark.parametrize(
    "file_name, student_id, name, ok",
    [
        ("DL_LAB1_0856001_Alice.zip", "0856001", "Alice", True),
        ("DL_LAB1_310551001_王小明.zip", "310551001", "王小明", True),
        ("DL_LAB1_A1234_Li_Wei.zip", "A1234", "Li_Wei", True),
        ("DL_LAB1_0856001_Alice Chen.ZIP", "0856001", "Alice Chen", True),
        ("DLP_LAB1_0856001_Alice.zip", "0856001", "Alice", False),
        ("DL_Lab1_0856001_Alice.zip", "0856001", "Alice", False),
        ("report.zip", "", "report", False),
    ],
)
def test_the_name_pattern(file_name, student_id, name, ok):
    assert submission.read_name(file_name) == submission.Name(student_id, name, ok)
    assert (submission.name_problem(file_name) is None) == ok


def test_one_zip_shows_its_details(tmp_path, monkeypatch, capsys, reports):
    archive = _zip(tmp_path / "DL_LAB1_0856009_Eve.zip", {"crash.py": _student("crash.py")})
    monkeypatch.chdir(tmp_path)
    assert main([str(archive)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### 0856009 Eve (`DL_LAB1_0856009_Eve.zip`)\n")
    assert (
        "- format: no report.pdf\n" in out and "- program: `crash.py` (the only Python file); crashed" in out
    )
    assert out.rstrip().splitlines()[-1].startswith("lab1: wrote outputs/check/")


def test_the_report_sections_found_under_other_headings(reports):
    assert pdf.missing(pdf.text(reports["full"])) == []
    assert pdf.describe({"section": "5.C", "title": "weights and biases", "weight": 0.07}) == (
        "5.C weights and biases: not found (7%)"
    )
    assert pdf.weight_text({"section": "2.A", "title": "sigmoid function", "weight": None}) == "part of 15%"


def test_a_report_missing_lettered_parts():
    text = "1 Introduction\nhi\n2 Implementation details\nthe sigmoid and the backward pass\n5. Questions\nA. activation functions\n"
    missing = {m["section"] for m in pdf.missing(text)}
    assert missing == {"2.B", "3", "4", "5.B", "5.C", "6"}


def test_without_pypdf_the_pip_line(tmp_path):
    archive = _zip(tmp_path / "DL_LAB1_1_A.zip", {"a.py": b"print(1)\n"})
    code = f"import sys; sys.modules['pypdf'] = None\nfrom lab1.check.__main__ import main\nsys.exit(main([{str(archive)!r}]))"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2
    assert proc.stderr == f"lab1.check: error: {pdf.PIP_HINT}\n"
    assert not (tmp_path / "outputs").exists()


def test_ctrl_c_keeps_the_zips_checked_and_ends_the_running_program(tmp_path):
    started = tmp_path / "started"
    zips = tmp_path / "zips"
    zips.mkdir()
    _zip(zips / "DL_LAB1_0000001_Quick.zip", {"a.py": b"print('Ground truth: 1 | prediction: 0.9')\n"})
    waiting = f"import os, time\nopen({str(started)!r}, 'w').write(str(os.getpid()))\nwhile True:\n    time.sleep(0.2)\n"
    _zip(zips / "DL_LAB1_0000002_Wait.zip", {"b.py": waiting.encode()})
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab1.check", str(zips), "--jobs", "1"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert wait_for(
        lambda: started.exists() and started.read_text() != ""
    )  # one zip at a time: the first is done
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C at a terminal: the command and its workers
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    last = err.rstrip().splitlines()[-1]
    assert last.startswith("lab1.check: interrupted; the 1 of 2 zips checked are in outputs/check/"), err
    (record,) = json.loads((tmp_path / last.split()[-1] / "check.json").read_text())
    assert (record["student_id"], record["status"]) == ("0000001", "ok")
    assert wait_for(lambda: process_gone(int(started.read_text())))


def test_a_zip_without_source_and_one_with_a_notebook(tmp_path, monkeypatch, capsys, reports):
    report = reports["full"].read_bytes()
    (tmp_path / "zips").mkdir()
    _zip(tmp_path / "zips" / "DL_LAB1_1_Only.zip", {"report.pdf": report})
    _zip(tmp_path / "zips" / "DL_LAB1_2_Nb.zip", {"report.pdf": report, "lab1.ipynb": b"{}"})
    monkeypatch.chdir(tmp_path)
    assert main([str(tmp_path / "zips"), "--jobs", "1"]) == 0
    only, nb = json.loads(next((tmp_path / "outputs").glob("check/*/*/check.json")).read_text())
    assert (only["format_ok"], only["format_problems"], only["status"]) == (
        False,
        ["no Python source in the zip"],
        "not_run",
    )
    assert (nb["format_ok"], nb["status"], nb["missing_sections"]) == (True, "not_run", [])
    assert nb["notes"] == ["not run: lab1.ipynb is a notebook; export it as a .py file to run it"]


def test_run_a_directory_with_entry(tmp_path, monkeypatch, capsys):
    code = tmp_path / "mycode"
    (code / ".git").mkdir(parents=True)
    (code / ".git" / "junk.py").write_text("import torch\n")  # not the student's: never read
    (code / "model.py").write_text("import torch\n")
    (code / "main.py").write_text(
        "print('Iter0 | Ground truth: 1 | prediction: 0.7')\nprint('Accuracy: 100%')\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(code), "--entry", "main.py"]) == 0
    (record,) = json.loads(next((tmp_path / "outputs").glob("check/*/*/check.json")).read_text())
    assert (record["entry"], record["entry_reason"], record["status"]) == ("main.py", "--entry", "ok")
    assert record["forbidden_imports"] == [{"module": "torch", "file": "model.py", "line": 1}]
    assert record["runs"][0]["claimed_accuracy"] == 1.0 and record["passed"]
