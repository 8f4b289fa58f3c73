"""Experiment trackers (``logger=``), read back with each tool's own reader: TensorBoard's
EventAccumulator and MLflow's search_runs. Every store is local (event files, a SQLite file
in the test's directory); no network."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from lab1.job.run import fingerprint
from tests.helpers import (
    QUICK,
    QUICK_WITH_FIGURES,
    make_cfg,
    run_cli,
    single_run_dir,
    stop_after_first_job,
    wait_for,
)

pytest.importorskip("tensorboardX")
pytest.importorskip("mlflow")
pytest.importorskip("tensorboard")


def _metrics(run_dir: Path) -> dict:
    return json.loads((run_dir / "metrics.json").read_text())


def _events(run_dir: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    return acc


def _mlflow_runs(root: Path) -> pd.DataFrame:
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{root / 'outputs' / 'mlflow.db'}")
    try:
        return mlflow.search_runs(experiment_names=["lab1"])
    finally:
        os.environ.pop("MLFLOW_TRACKING_URI", None)  # not handed on to the next test's commands


def _check_tensorboard(run_dir: Path) -> None:
    """Every history row as a scalar (step = epoch), the last equal to metrics.json's; the
    figures as images; the settings as an HParams session."""
    from tensorboard.plugins.hparams import plugin_data_pb2

    acc = _events(run_dir)
    history, record = pd.read_csv(run_dir / "history.csv"), _metrics(run_dir)
    for key in ("loss", "accuracy"):
        events = acc.Scalars(key)
        assert [e.step for e in events] == history["epoch"].tolist()
        assert [e.value for e in events] == pytest.approx(history[key].tolist(), rel=1e-6)
        assert events[-1].value == pytest.approx(record[key], rel=1e-6)
    assert set(acc.Tags()["images"]) == {p.stem for p in run_dir.glob("*.png")} != set()
    content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    start = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info
    assert (
        start.hparams["optim.name"].string_value and "lr" in start.hparams and "logger" not in start.hparams
    )


def test_logger_is_presentation_only():
    plain, logged = make_cfg(), make_cfg("logger=[tensorboard,mlflow]", "logger.experiment=x")
    assert logged.logger.tensorboard and logged.logger.mlflow
    assert fingerprint(plain) == fingerprint(logged)


def test_both_loggers_at_once(tmp_path, store):
    proc = run_cli(["logger=[tensorboard,mlflow]", "optim=adam", *QUICK_WITH_FIGURES], tmp_path)
    assert proc.returncode == 0, proc.stderr
    run_dir = single_run_dir(tmp_path)
    plain = run_cli(["optim=adam", *QUICK, "hydra.run.dir=plain"], tmp_path)  # logging changes no result
    assert plain.returncode == 0, plain.stderr
    for name in ("params.npz", "history.csv"):
        assert (run_dir / name).read_bytes() == (tmp_path / "plain" / name).read_bytes()
    _check_tensorboard(run_dir)
    copy = tmp_path / "copy" / "outputs"  # the database file alone holds the run: its log folded in
    copy.mkdir(parents=True)
    shutil.copyfile(store, copy / "mlflow.db")
    assert len(_mlflow_runs(copy.parent)) == 1
    runs = _mlflow_runs(tmp_path)
    assert len(runs) == 1
    row, record = runs.iloc[0], _metrics(run_dir)
    assert row["metrics.loss"] == pytest.approx(record["loss"]) and row["params.optim.beta1"] == "0.9"
    assert row["tags.lab1.config_hash"] == record["config_hash"]
    assert "params.model.filters" not in runs.columns  # only what an MLP run reads
    assert (tmp_path / "outputs" / "mlartifacts").is_dir() and not (tmp_path / "mlruns").exists()


LAUNCHER_ARGS = {  # runs seen finishing in workers, trained in the launching process, in submitit's jobs
    "vectorized": ["hydra.launcher.n_jobs=2"],
    "basic": [],
    "vectorized_submitit_local": ["hydra.launcher.cpus_per_task=2"],
}


@pytest.mark.parametrize("launcher", list(LAUNCHER_ARGS))
def test_mlflow_sweep_is_a_parent_run_with_its_jobs_as_children(tmp_path, store, launcher):
    args = ["-m", "logger=mlflow", f"launcher={launcher}", "dataset=xor", "optim=sgd,adam", "lr=0.5"]
    args += [*QUICK, "hydra.sweep.dir=sw", *LAUNCHER_ARGS[launcher]]
    proc = run_cli(args, tmp_path)
    assert proc.returncode == 0, proc.stderr
    jobs = sorted(p.parent for p in (tmp_path / "sw").glob("*/metrics.json"))
    assert len(jobs) == 2 and not any("logger" in job.name for job in jobs)
    runs = _mlflow_runs(tmp_path)
    parent = runs[runs["tags.lab1.kind"] == "sweep"]
    children = runs[runs["tags.mlflow.parentRunId"] == parent["run_id"].iloc[0]]
    assert len(parent) == 1 and len(children) == 2 == len(runs) - 1
    for job in jobs:
        record = _metrics(job)
        (i,) = children.index[children["tags.lab1.job"] == job.name]
        got = children.loc[i]
        assert got["metrics.loss"] == pytest.approx(record["loss"])
        assert got["metrics.final_accuracy"] == pytest.approx(record["accuracy"])
        assert got["params.lr"] == "0.5" and got["params.dataset.name"] == "xor"
        assert got["tags.lab1.sweep_dir"] == str((tmp_path / "sw").resolve())
        assert got["tags.lab1.config_hash"] == record["config_hash"]
    import mlflow

    artifacts = {a.path for a in mlflow.MlflowClient().list_artifacts(parent["run_id"].iloc[0])}
    assert {"results.csv", "summary.md"} <= artifacts
    assert parent["status"].iloc[0] == "FINISHED" and set(children["status"]) == {"FINISHED"}
    if launcher == "vectorized":  # resumed: every job kept, none logged a second time
        again = run_cli(args, tmp_path)
        assert again.returncode == 0, again.stderr
        assert again.stdout.count("kept it") == 2
        assert len(_mlflow_runs(tmp_path)) == len(runs)
        retrained = run_cli([*args, "resume=false"], tmp_path)  # trained again: new runs, one parent
        assert retrained.returncode == 0, retrained.stderr
        after = _mlflow_runs(tmp_path)
        assert len(after) == len(runs) + 2 and (after["tags.lab1.kind"] == "sweep").sum() == 1


def test_a_missing_extra_is_one_line_before_training(tmp_path):
    block = tmp_path / "block"
    block.mkdir()
    (block / "sitecustomize.py").write_text(
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('mlflow', 'tensorboardX'):\n"
        "            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(block), os.environ.get("PYTHONPATH", "")])}
    for choice, extra in (("mlflow", "mlflow"), ("[tensorboard,mlflow]", "tensorboard")):
        proc = subprocess.run(
            [sys.executable, "-m", "lab1", "-m", f"logger={choice}", *QUICK],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
        assert f"pip install -e '.[{extra}]'" in proc.stderr
    assert not (tmp_path / "outputs").exists()


@pytest.mark.parametrize("multirun", [False, True])
def test_a_tracking_uri_that_cannot_be_opened_is_refused(tmp_path, multirun):
    (tmp_path / "afile").write_text("not a directory")
    args = ["logger=mlflow", f"logger.tracking_uri=sqlite:///{tmp_path}/afile/mlflow.db", *QUICK]
    proc = run_cli(["-m", *args, "hydra.sweep.dir=sw"] if multirun else args, tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lab1: error: logger.tracking_uri=")
    assert not list(tmp_path.rglob("history.csv")) and not (tmp_path / "sw").exists()


def test_a_store_is_checked_before_training_and_one_mlflow_cannot_open_is_one_warning(tmp_path, capsys):
    """What lab1 checks without MLflow (a SQLite file that is not a database) is refused at
    once; a store MLflow refuses once it is opened in the background (made by a newer MLflow)
    is one warning line when the first run is logged, as a store that stops answering."""
    from omegaconf import OmegaConf

    from lab1.config import ConfigError
    from lab1.job.loggers import session

    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, " * 100)
    with pytest.raises(
        ConfigError, match=r"notes.txt cannot be opened: DatabaseError: file is not a database"
    ):
        session.check_store(f"sqlite:///{notes}")
    newer = tmp_path / "newer.db"
    with contextlib.closing(sqlite3.connect(newer)) as db:
        db.execute("create table alembic_version (version_num varchar(32) not null)")
        db.execute("insert into alembic_version values ('ffffffffffff')")
        db.commit()
    logger = {"mlflow": True, "tensorboard": False, "tracking_uri": f"sqlite:///{newer}", "experiment": None}
    cfg = OmegaConf.create({"logger": logger})
    run = tmp_path / "sw" / "0"
    run.mkdir(parents=True)
    (run / "metrics.json").write_text("{}")
    session.start(cfg, run.parent)
    session.prefetch()  # as the vectorized launcher does once its workers are forked
    session.finished([run], cfg, trained=True)
    session.end([])
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"lab1: warning: logger=mlflow could not log the run {run} "
    )
    assert "Can't locate revision" in lines[0] and "logged by the next logger=mlflow command" in lines[0]


def test_a_store_lab1_makes_is_in_write_ahead_log_mode_and_another_keeps_its_mode(
    tmp_path, store, empty_store
):
    """The ``store`` fixture is made by ``check_store``, as lab1 makes a new store: WAL, and once
    MLflow is open, SQLAlchemy's connections to it commit unsynced (synchronous=NORMAL, 1). A store
    lab1 did not make (here, the same file set back to SQLite's default) keeps its mode and FULL (2)."""
    import sqlalchemy

    from lab1.job.loggers.session import check_store, open_store

    def mode(path: Path) -> str:
        with contextlib.closing(sqlite3.connect(path)) as db:
            return str(db.execute("pragma journal_mode").fetchone()[0])

    def synchronous(path: Path) -> int:  # as MLflow's engine connects
        engine = sqlalchemy.create_engine(f"sqlite:///{path}")
        with engine.connect() as db:
            found = int(db.exec_driver_sql("pragma synchronous").scalar_one())
        engine.dispose()
        return found

    assert mode(store) == "wal"
    with contextlib.closing(sqlite3.connect(store)) as db:
        assert db.execute("pragma journal_mode=delete").fetchone()[0] == "delete"
    new = Path(shutil.copyfile(empty_store, tmp_path / "new.db"))  # as lab1 made it
    for path in (store, new):
        open_store(check_store(f"sqlite:///{path}"), None)  # as a command opens it
    assert (mode(new), synchronous(new)) == ("wal", 1)
    assert (mode(store), synchronous(store)) == ("delete", 2)


def _children(root: Path) -> pd.DataFrame:
    runs = _mlflow_runs(root)
    return runs[runs["tags.lab1.kind"] != "sweep"] if "tags.lab1.kind" in runs else runs


def test_a_tracker_failing_warns_once_and_the_next_command_logs_what_it_missed(tmp_path, store):
    """MLflow failing once the jobs train (its artifacts cannot be written) is one warning
    line; the sweep finishes and TensorBoard still logs every run. The same command once the
    store is mended logs every run the store lacks, and keeps them all."""
    artifacts = tmp_path / "outputs" / "mlartifacts"
    artifacts.write_text("artifacts cannot be written here")
    args = ["-m", "logger=[mlflow,tensorboard]", "dataset=xor", "optim=sgd,adam", *QUICK_WITH_FIGURES]
    args += ["hydra.sweep.dir=sw", "hydra.launcher.n_jobs=2"]  # TensorBoard's events written by workers
    proc = run_cli(args, tmp_path)
    assert proc.returncode == 0, proc.stderr
    jobs = sorted(p.parent for p in (tmp_path / "sw").glob("*/metrics.json"))
    assert len(jobs) == 2 and (tmp_path / "sw" / "results.csv").exists()
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("lab1: warning: logger=mlflow")]
    assert (
        len(warnings) == 1
        and "the runs not logged are logged by the next logger=mlflow command on" in warnings[0]
    )
    assert any(f"/{job.name} to " in warnings[0] for job in jobs)  # it names the run it failed on
    for job in jobs:
        _check_tensorboard(job)  # the other tracker still logged it
    assert len(_children(tmp_path)) == 0  # a run half logged is not left in the store
    artifacts.unlink()  # mended
    again = run_cli(args, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("kept it") == 2 and "warning" not in again.stderr
    children = _children(tmp_path)
    assert len(children) == 2 and set(children["status"]) == {"FINISHED"}


def test_after_ctrl_c_the_next_command_logs_the_rest_once(tmp_path, store):
    """Ctrl-C mid-sweep: the store holds at most the finished job, the sweep's parent run (if
    opened) KILLED; the next command trains the rest, logs every run once, and finishes the
    parent."""
    args = ["-m", "logger=mlflow", "launcher=vectorized", "hydra.sweep.dir=sw", "dataset=linear"]
    args += ["hidden=100", "epochs=200,3000", "early_stop=null", "print_every=0", "plots.per_job=false"]
    args += ["hydra.launcher.n_jobs=2"]
    proc, _, err = stop_after_first_job(args, tmp_path, tmp_path / "sw")
    assert proc.returncode == 130, err
    runs = _mlflow_runs(tmp_path)  # the finished job, if the launching process logged it before Ctrl-C
    if len(runs):
        assert list(runs.loc[runs["tags.lab1.kind"] == "sweep", "status"]) == ["KILLED"]
        assert set(_children(tmp_path)["status"]) <= {"FINISHED"} and len(_children(tmp_path)) <= 1
    again = run_cli(args, tmp_path)
    assert again.returncode == 0, again.stderr
    runs = _mlflow_runs(tmp_path)
    assert list(runs.loc[runs["tags.lab1.kind"] == "sweep", "status"]) == ["FINISHED"]
    assert sorted(_children(tmp_path)["tags.lab1.job"].str.extract(r"epochs=(\d+)")[0]) == ["200", "3000"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(command: list[str], url: str, cwd: Path, body: bytes | None = None) -> bytes:
    """Start a UI in its own process group, read ``url`` once it answers, stop the UI."""
    proc = subprocess.Popen(
        command, cwd=cwd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        answer: list[bytes] = []

        def read() -> bool:
            try:
                request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(request, timeout=5) as reply:
                    answer.append(reply.read())
                return True
            except OSError:
                return proc.poll() is not None

        assert wait_for(read, 120) and answer, f"{command[0]} did not answer"
        return answer[0]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


@pytest.mark.slow
def test_the_uis_the_readme_names_read_a_logged_run_back(tmp_path, store):
    """``mlflow ui`` and ``tensorboard --logdir``, as the README says, each on a free local
    port: the run's loss comes back over their HTTP APIs."""
    proc = run_cli(["logger=[tensorboard,mlflow]", *QUICK, "hydra.run.dir=one"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    loss = _metrics(tmp_path / "one")["loss"]
    port, bin_dir = _free_port(), Path(sys.executable).parent
    ui = [
        str(bin_dir / "mlflow"),
        "ui",
        "--backend-store-uri",
        "sqlite:///outputs/mlflow.db",
        "--port",
        str(port),
    ]
    found = json.loads(
        _serve(
            ui, f"http://127.0.0.1:{port}/api/2.0/mlflow/runs/search", tmp_path, b'{"experiment_ids": ["1"]}'
        )
    )
    (run,) = found["runs"]
    final = {m["key"]: m["value"] for m in run["data"]["metrics"]}
    assert final["final_loss"] == pytest.approx(loss)
    port = _free_port()
    board = [str(bin_dir / "tensorboard"), "--logdir", "one", "--port", str(port), "--host", "127.0.0.1"]
    url = f"http://127.0.0.1:{port}/data/plugin/scalars/scalars?tag=loss&run=."
    points = json.loads(_serve(board, url, tmp_path))
    assert points[-1][2] == pytest.approx(loss, rel=1e-6)
