"""A student's program run in a child process: a hang, a crash, the stripped environment, figures, memory."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from lab1.check.__main__ import main
from lab1.check.submission import choose_entry
from tests.helpers import process_gone

STUDENTS = Path(__file__).parent / "students"


def _run(args: list[str], cwd: Path, monkeypatch, capsys) -> tuple[dict, str]:
    """``python -m lab1.check run ARGS`` in this process (the program itself runs in a child)."""
    monkeypatch.chdir(cwd)
    assert main(["run", *args]) == 0
    out = capsys.readouterr().out
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("lab1: wrote outputs/check/")
    (record,) = json.loads((cwd / last.split()[-1] / "check.json").read_text())
    return record, out


def test_a_hang_is_stopped_with_its_helpers_and_its_output_still_read(tmp_path, monkeypatch, capsys):
    program = tmp_path / "code" / "hang.py"
    program.parent.mkdir()
    program.write_text(
        "import subprocess, sys\n"
        "helper = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print('helper pid', helper.pid)\n" + (STUDENTS / "hang.py").read_text()
    )
    record, out = _run([str(program), "--timeout", "3"], tmp_path, monkeypatch, capsys)
    assert record["status"] == "timeout" and record["ending"].startswith("stopped at the time limit")
    linear, xor = record["runs"]
    assert (linear["dataset"], linear["predictions"], linear["accuracy"], linear["passed"]) == (
        "linear",
        100,
        1.0,
        True,
    )
    assert (xor["predictions"], xor["loss_lines"], xor["accuracy"]) == (0, 1, None)
    assert not record["passed"]  # the second run was cut before its predictions
    (helper,) = [s["text"] for s in record["skipped_lines"] if s["text"].startswith("helper pid")]
    assert process_gone(int(helper.split()[-1]))
    assert "timeout" in out.splitlines()[-2]


def test_a_crash_is_reported_with_its_last_lines_and_its_output_read(tmp_path, monkeypatch, capsys):
    record, out = _run([str(STUDENTS / "crash.py")], tmp_path, monkeypatch, capsys)
    assert record["status"] == "crashed" and record["ending"] == "exited with code 1"
    assert record["last_lines"][0] == "Traceback (most recent call last):"
    assert record["last_lines"][-1].startswith("ValueError: matmul: Input operand 1 has a mismatch")
    (run,) = record["runs"]
    assert (run["loss_lines"], run["first_epoch"], run["last_epoch"], run["predictions"]) == (3, 0, 200, 0)
    assert "its last lines:" in out and "ValueError: matmul" in out


def test_the_environment_is_stripped_and_every_figure_is_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LAB1_TEST_SECRET", "hunter2")
    program = tmp_path / "code" / "probe.py"
    program.parent.mkdir()
    program.write_text(
        "import os\nimport matplotlib.pyplot as plt\n"
        "for key in sorted(os.environ):\n    print('ENV', key, os.environ[key] if key == 'MPLBACKEND' else '')\n"
        "plt.plot([0, 1], [0, 1])\nplt.savefig('line.jpg')\nplt.show()\n"  # saved as JPEG, then shown: one image
        "plt.figure()\nplt.scatter([0, 1], [1, 0])\nplt.show()\n"
    )
    record, _ = _run([str(program)], tmp_path, monkeypatch, capsys)
    env = {
        s["text"].split()[1]: s["text"].split()[2:]
        for s in record["skipped_lines"]
        if s["text"].startswith("ENV")
    }
    assert "LAB1_TEST_SECRET" not in env and {"PATH", "HOME", "LANG"} <= set(env)
    assert env["MPLBACKEND"] == ["Agg"]
    assert set(env) - {"PATH", "HOME", "LANG"} <= {
        "MPLBACKEND", "PYTHONUNBUFFERED", "PYTHONIOENCODING", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH",
        "LAB1_CHECK_FIGURES", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "LC_CTYPE",
    }  # fmt: skip
    assert record["figures"] == ["figures/probe/01-savefig.png", "figures/probe/03-show.png"]
    out = tmp_path / "outputs" / "check"
    for figure in record["figures"]:
        (png,) = out.glob(f"*/*/{figure}")
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert record["status"] == "unparsed"  # it printed no prediction


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux")
def test_the_memory_limit_stops_a_program_that_takes_too_much(tmp_path, monkeypatch, capsys):
    program = tmp_path / "greedy.py"
    program.write_text("import numpy as np\nprint('epoch 0 loss : 0.3')\nbig = np.ones((20000, 20000))\n")
    record, _ = _run([str(program), "--memory", "500"], tmp_path, monkeypatch, capsys)
    assert record["status"] == "crashed" and "MemoryError" in record["last_lines"][-1]
    assert record["runs"][0]["loss_lines"] == 1


def test_which_file_of_a_directory_runs(tmp_path):
    (tmp_path / "model.py").write_text("class Net:\n    pass\n")
    (tmp_path / "plot.py").write_text("if __name__ == '__main__':\n    print(1)\n")
    (tmp_path / "lab.py").write_text("from data import generate_linear\nx, y = generate_linear()\n")
    files = sorted(tmp_path.glob("*.py"))
    assert choose_entry(tmp_path, files, None) == (tmp_path / "lab.py", "it calls a generator")
    assert choose_entry(tmp_path, files, "plot.py") == (tmp_path / "plot.py", "--entry")
    (tmp_path / "lab.py").write_text("x = 1\n")
    chosen, why = choose_entry(tmp_path, sorted(tmp_path.glob("*.py")), None)
    assert chosen == tmp_path / "plot.py" and why.startswith("it has an `if __name__")
    (tmp_path / "plot.py").write_text("print(1)\n")
    chosen, why = choose_entry(tmp_path, sorted(tmp_path.glob("*.py")), None)
    assert (
        chosen is None
        and why
        == "no single program among its Python files (lab.py, model.py, plot.py); choose one with --entry"
    )
    assert choose_entry(tmp_path, files, "main.py")[0] is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "missing.py"], "missing.py: not a .py file or a directory"),
        (["run", "x.py", "--time", "5"], "unrecognized arguments: --time 5"),  # no abbreviations
        (["nowhere"], "nowhere: not a .zip file or a directory of them"),
        (["."], ". holds no .zip files"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.py").write_text("print(1)\n")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("lab1.check: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "outputs").exists()
