"""The MLflow logging process (``lab1.job.loggers.mlflow_process``): one per command, fed by
the jobs through a spool of files. Real processes and a real SQLite store, read back with
MLflow's ``search_runs``."""

from __future__ import annotations

import fcntl
import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from lab1.job.loggers import CONTEXT_ENV, session, trackers
from tests.helpers import QUICK, ctrl_c_after_first_job, make_cfg, run_cli, wait_for

mlflow = pytest.importorskip("mlflow")


def _runs(db: Path):
    mlflow.set_tracking_uri(f"sqlite:///{db}")
    try:
        return mlflow.search_runs(experiment_names=["lab1"])
    finally:
        os.environ.pop("MLFLOW_TRACKING_URI", None)  # not handed on to the next test's commands


def _sweep_statuses(db: Path) -> list[str]:
    runs = _runs(db)
    return list(runs[runs["tags.lab1.kind"] == "sweep"]["status"]) if "tags.lab1.kind" in runs else []


def test_a_session_started_in_process_logs_what_its_jobs_hand_on(tmp_path, empty_store):
    """No early start: the launching process spawns the logging process with its spool;
    jobs hand on payloads (here from this process); the parent run gets the sweep's files."""
    db = tmp_path / "mlflow.db"
    shutil.copyfile(empty_store, db)
    sweep = tmp_path / "sw"
    cfg = make_cfg("logger=mlflow", f"logger.tracking_uri=sqlite:///{db}", "optim=adam")
    session.start(cfg, sweep)
    try:
        assert json.loads(os.environ[CONTEXT_ENV])["mlflow"]["spool"] == str(
            (sweep / session.SPOOL).resolve()
        )
        for name, losses in (("a", [0.5, 0.25, 0.125]), ("b", [0.5, 0.4, 0.3])):
            run_dir = sweep / name
            run_dir.mkdir(parents=True)
            (run_dir / "metrics.json").write_text("{}")
            history = {"epoch": [0, 10, 20], "loss": losses, "accuracy": [0.5, 0.75, 1.0]}
            record = {"loss": losses[-1], "accuracy": 1.0, "epochs_run": 21, "config_hash": name * 4}
            trackers.log_job(run_dir, cfg, history, record)
        (sweep / "results.csv").write_text("job\na\nb\n")
    finally:
        session.finish([sweep / "results.csv"])
    assert CONTEXT_ENV not in os.environ and not (sweep / session.SPOOL).exists()
    runs = _runs(db)
    parent = runs[runs["tags.lab1.kind"] == "sweep"]
    children = runs[runs["tags.mlflow.parentRunId"] == parent["run_id"].iloc[0]].set_index("tags.lab1.job")
    assert len(parent) == 1 and sorted(children.index) == ["a", "b"]
    assert children.loc["a", "metrics.final_loss"] == 0.125 and children.loc["b", "metrics.loss"] == 0.3
    assert (
        children.loc["a", "params.optim.name"] == "adam"
        and children.loc["b", "tags.lab1.config_hash"] == "bbbb"
    )
    history = mlflow.MlflowClient().get_metric_history(children.loc["a", "run_id"], "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.5), (10, 0.25), (20, 0.125)]
    assert {a.path for a in mlflow.MlflowClient().list_artifacts(children.loc["a", "run_id"])} == {
        "metrics.json"
    }
    assert [a.path for a in mlflow.MlflowClient().list_artifacts(parent["run_id"].iloc[0])] == ["results.csv"]


def test_runs_a_store_cannot_take_wait_in_the_spool_for_the_next_command(tmp_path, empty_store):
    """A store that passes the check before training but that MLflow cannot use (a schema
    it does not know): one warning, the runs' files stand, their payloads wait; run again
    once the store is mended, every job is kept and the waiting runs are logged."""
    db = tmp_path / "outputs" / "mlflow.db"
    db.parent.mkdir()
    with sqlite3.connect(db) as con:
        con.execute("create table alembic_version (version_num varchar(32) not null)")
        con.execute("insert into alembic_version values ('ffffffffffff')")
    args = ["-m", "logger=mlflow", "dataset=xor", "optim=sgd,adam", *QUICK, "hydra.sweep.dir=sw"]
    first = run_cli(args, tmp_path)
    assert first.returncode == 0, first.stderr
    warnings = [line for line in first.stderr.splitlines() if "logger=mlflow" in line]
    assert len(warnings) == 1 and "waits in" in warnings[0], first.stderr
    assert len(list((tmp_path / "sw").glob("*/metrics.json"))) == 2
    assert len(list((tmp_path / "sw" / session.SPOOL / "pending").glob("*.json"))) == 2
    shutil.copyfile(empty_store, db)
    again = run_cli(args, tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("kept it") == 2 and "warning" not in again.stderr
    runs = _runs(db)
    assert len(runs) == 3 and (runs["tags.lab1.kind"] == "sweep").sum() == 1
    assert not (tmp_path / "sw" / session.SPOOL).exists()


def test_a_single_run_that_hydra_moves_into_its_directory_logs_where_lab1_runs(tmp_path, store):
    """``hydra.job.chdir=true``: the relative default store is still ``outputs/mlflow.db``
    where lab1 was started, not one inside the run's directory."""
    proc = run_cli(["logger=mlflow", "hydra.job.chdir=true", *QUICK], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(_runs(store)) == 1 and not list(tmp_path.glob("outputs/runs/*/*/outputs"))


def _logging_processes(cwd: Path) -> list[int]:
    """Logging processes running in ``cwd``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            started_here = (proc / "cwd").resolve() == cwd.resolve()
            if started_here and b"mlflow_process" in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="reads /proc")
def test_a_refused_command_leaves_no_logging_process_and_no_store(tmp_path):
    """``logger=mlflow`` on the command line starts the logging process before Hydra; a
    command refused after that leaves none behind (it saw its parent go) and no store."""
    proc = run_cli(["logger=mlflow", "lr=abc", *QUICK], tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("lab1: error: lr"), proc.stderr
    assert _logging_processes(tmp_path) == [] and not (tmp_path / "outputs").exists()


def test_ctrl_c_mid_sweep_logs_the_finished_job_and_marks_the_sweep_killed(tmp_path, store):
    """Ctrl-C to the sweep's process group, as from a terminal: the logging process (in its
    own process group) sees the launching process go, logs the finished job and marks the parent
    run KILLED."""
    args = ["-m", "logger=mlflow", "hydra.sweep.dir=sw", "dataset=linear", "hidden=2,200", "epochs=20000"]
    args += ["print_every=0", "plots.per_job=false", "hydra.launcher.n_jobs=2"]
    sw = tmp_path / "sw"
    proc, _, err = ctrl_c_after_first_job(args, tmp_path, sw)  # the narrow job is done
    assert proc.returncode == 130, err  # its pipes closed once the logging process was done too
    db = tmp_path / "outputs" / "mlflow.db"
    assert wait_for(lambda: _sweep_statuses(db) == ["KILLED"], 60), (_sweep_statuses(db), err)
    runs = _runs(db)
    parent = runs[runs["tags.lab1.kind"] == "sweep"]
    (child,) = runs.index[runs["tags.mlflow.parentRunId"] == parent["run_id"].iloc[0]]
    assert "hidden=2" in runs.loc[child, "tags.lab1.job"].split(",")


def test_a_sweep_directory_with_a_quote_in_its_path_finds_its_own_parent_run(tmp_path, empty_store):
    """The parent run is found by a hash of the sweep directory's path, so a path MLflow's
    filter syntax would need quoted (``it's``) reopens its run instead of failing."""
    from lab1.job.loggers import mlflow_logger

    db = tmp_path / "mlflow.db"
    shutil.copyfile(empty_store, db)
    client, experiment = mlflow_logger.open_store(f"sqlite:///{db}", "lab1")
    first = mlflow_logger.sweep_run(client, experiment, str(tmp_path / "it's"))
    assert mlflow_logger.sweep_run(client, experiment, str(tmp_path / "it's")) == first
    assert mlflow_logger.sweep_run(client, experiment, str(tmp_path / "other")) != first


DIES_AT_ONCE = """
import os, sys
from pathlib import Path
from lab1.job.loggers import session, trackers
from tests.helpers import make_cfg
db, sweep = sys.argv[1], Path(sys.argv[2])
cfg = make_cfg("logger=mlflow", f"logger.tracking_uri=sqlite:///{db}")
session.start(cfg, sweep)
(sweep / "a").mkdir(parents=True)
(sweep / "a" / "metrics.json").write_text("{}")
record = {"loss": 0.5, "accuracy": 1.0, "epochs_run": 1, "config_hash": "aaaa"}
trackers.log_job(sweep / "a", cfg, {"epoch": [0], "loss": [0.5], "accuracy": [1.0]}, record)
os._exit(130)
"""


def test_a_launching_process_that_dies_at_once_still_gets_its_finished_job_logged(tmp_path, empty_store):
    """The launching process tells its session and dies while the logging process is still
    importing MLflow (Ctrl-C in the first second): the words it wrote are read before its
    death counts, so the finished job is logged and the sweep's run marked KILLED."""
    db = tmp_path / "mlflow.db"
    shutil.copyfile(empty_store, db)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    died = subprocess.run(
        [sys.executable, "-c", DIES_AT_ONCE, str(db), str(tmp_path / "sw")], cwd=tmp_path, env=env
    )
    assert died.returncode == 130
    assert wait_for(lambda: _sweep_statuses(db) == ["KILLED"], 60), _sweep_statuses(db)
    runs = _runs(db)
    parent = runs[runs["tags.lab1.kind"] == "sweep"]["run_id"].iloc[0]
    child = runs[runs["tags.mlflow.parentRunId"] == parent]
    assert list(child["tags.lab1.job"]) == ["a"] and list(child["metrics.final_loss"]) == [0.5]


def test_a_warning_to_a_terminal_set_tostop_is_written_not_stopped(tmp_path):
    """In a terminal with ``stty tostop``, a write from a process group that is not the
    foreground job stops it (SIGTTOU); the logging process has its own group, so its
    warning about an unusable store must still be written and the command end at once."""
    pty = pytest.importorskip("pty")
    db = tmp_path / "outputs" / "mlflow.db"
    db.parent.mkdir()
    with sqlite3.connect(db) as con:
        con.execute("create table alembic_version (version_num varchar(32) not null)")
        con.execute("insert into alembic_version values ('ffffffffffff')")
    command = (
        f"cd '{tmp_path}' && stty tostop && exec '{sys.executable}' -m lab1 logger=mlflow {' '.join(QUICK)}"
    )
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("sh", ["sh", "-c", command])
    out = b""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except OSError:  # the terminal closed: every process on it has ended
            break
        if not chunk:
            break
        out += chunk
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    text = out.decode()
    assert "could not use" in text and "still logging" not in text, text


def _autogroup(pid: int) -> str:
    """Process ``pid``'s scheduling group as Linux states it: ``/autogroup-N nice K``, or
    nothing for the default group (a process whose sessions, up from init, never began one)."""
    return Path(f"/proc/{pid}/autogroup").read_text()


def _autogroup_nice(pid: int) -> int:
    """The niceness of the scheduling group of ``pid``, which began a session of its own."""
    return int(_autogroup(pid).split()[-1])


def test_the_logging_process_yields_to_the_jobs_while_they_train_and_then_takes_a_fair_share(
    tmp_path, empty_store
):
    """Its own session is its own scheduling group where autogroup applies: niceness 19 while
    the jobs train, 0 once they end, so other work beside lab1 cannot starve the logging the
    command waits for. Elsewhere it has niceness ``NICE`` for good."""
    from lab1.job.loggers.mlflow_handle import NICE, _autogroup_applies

    db = tmp_path / "mlflow.db"
    shutil.copyfile(empty_store, db)
    grouped = _autogroup_applies()
    ours = _autogroup(os.getpid()) if grouped else os.getpriority(os.PRIO_PROCESS, 0)
    session.start(make_cfg("logger=mlflow", f"logger.tracking_uri=sqlite:///{db}"), tmp_path / "sw")
    try:
        (handle,) = session._RUNNING
        pid = handle.process.pid
        assert os.getsid(pid) == pid and os.getsid(pid) != os.getsid(0)
        if grouped:
            assert wait_for(lambda: _autogroup_nice(pid) == 19)  # set by a thread: it may wait its turn
            session.log_now()
            assert wait_for(lambda: _autogroup_nice(pid) == 0)
            assert _autogroup(os.getpid()) == ours  # the launching process's group is untouched
        else:
            assert wait_for(lambda: os.getpriority(os.PRIO_PROCESS, pid) == NICE)
            assert os.getpriority(os.PRIO_PROCESS, 0) == ours
    finally:
        session.finish([])


def test_a_sweep_refused_after_its_logging_began_leaves_no_sweep_directory(tmp_path, store):
    """``hidden=0`` is refused by the launcher, after the session began: the logging process
    removes its spool (no job wrote into it), and with it the sweep directory goes."""
    proc = run_cli(["-m", "hydra.sweep.dir=sw", "logger=mlflow", "hidden=0,4", "epochs=10"], tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("lab1: error: hidden=0"), proc.stderr
    assert not (tmp_path / "sw").exists()


def test_a_single_run_whose_store_fails_leaves_no_spool_behind(tmp_path):
    """The store fails once opened and the logging process ends; the job then writes its
    payload (it trained for longer): the command's end removes the temporary spool."""
    db = tmp_path / "mlflow.db"
    with sqlite3.connect(db) as con:
        con.execute("create table alembic_version (version_num varchar(32) not null)")
        con.execute("insert into alembic_version values ('ffffffffffff')")
    cfg = make_cfg("logger=mlflow", f"logger.tracking_uri=sqlite:///{db}")
    session.start(cfg, None)
    try:
        (handle,) = session._RUNNING
        assert handle.process.wait(timeout=60) == 1  # it said why on stderr
        spool = Path(json.loads(os.environ[CONTEXT_ENV])["mlflow"]["spool"])
        record = {"loss": 0.5, "accuracy": 1.0, "epochs_run": 1, "config_hash": "aaaa"}
        trackers.log_job(tmp_path / "run", cfg, {"epoch": [0], "loss": [0.5], "accuracy": [1.0]}, record)
        assert list(spool.rglob("*.json"))
    finally:
        session.finish([])
    assert not spool.exists()


def test_a_store_that_stops_answering_mid_drain_keeps_the_payloads_but_a_bad_payload_goes(
    tmp_path, empty_store, monkeypatch, capsys
):
    """One run failing to log while the store answers is that run's fault: a warning, and its
    payload goes. Failing while the store does not answer (a server gone; here a port nothing
    listens on) is the store's: raised, and every payload stays for the next command."""
    from lab1.job.loggers import mlflow_logger
    from lab1.job.loggers.mlflow_process import PENDING, Store

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    db = tmp_path / "mlflow.db"
    shutil.copyfile(empty_store, db)
    spool = tmp_path / "spool"
    store = Store(
        {"tracking_uri": f"sqlite:///{db}", "experiment": "lab1", "location": None, "sweep_dir": None}
    )
    (spool / PENDING).mkdir(parents=True)
    (spool / PENDING / "a.json").write_text("{not json")
    store.drain(spool)
    assert not list((spool / PENDING).iterdir())
    assert "could not log the run a.json" in capsys.readouterr().err
    monkeypatch.setenv(CONTEXT_ENV, json.dumps({"mlflow": {"spool": str(spool)}}))
    cfg = make_cfg("logger=mlflow")
    for name in ("b", "c"):  # real payloads, as a job writes them
        (tmp_path / name).mkdir()
        record = {"loss": 0.5, "accuracy": 1.0, "epochs_run": 1, "config_hash": name * 4}
        trackers.log_job(tmp_path / name, cfg, {"epoch": [0], "loss": [0.5], "accuracy": [1.0]}, record)
    assert len(list((spool / PENDING).glob("*.json"))) == 2
    store.opened = (mlflow_logger.client("http://127.0.0.1:9"), store.open()[1])
    with pytest.raises(Exception):  # noqa: B017 - whatever the client raises
        store.drain(spool)
    assert len(list((spool / PENDING).glob("*.json"))) == 2


def _waits_on(pid: int, inode: int) -> bool:
    """Whether process ``pid`` waits for a lock on file ``inode`` (``/proc/locks``: ``->``)."""
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if "->" in fields and str(pid) in fields and any(f.endswith(f":{inode}") for f in fields):
            return True
    return False


@pytest.mark.skipif(not Path("/proc/locks").exists(), reason="reads /proc/locks")
def test_a_logging_process_waiting_for_a_spool_holds_the_lock_file_that_is_there(tmp_path):
    """The last command's logging process removes its lock file when done; one waiting on
    that file meanwhile must not go on beside a third command that took a new file."""
    from lab1.job.loggers.mlflow_process import LOCK

    spool = tmp_path / "spool"
    spool.mkdir()
    last = open(spool / LOCK, "a")
    fcntl.flock(last, fcntl.LOCK_EX)
    waiting = subprocess.Popen(
        [sys.executable, "-c", WAITS_FOR_THE_SPOOL, str(spool)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert wait_for(lambda: _waits_on(waiting.pid, os.fstat(last.fileno()).st_ino))
        (spool / LOCK).unlink()  # the last one is done: its file goes ...
        third = open(spool / LOCK, "a")  # ... a third command takes a new one at once ...
        fcntl.flock(third, fcntl.LOCK_EX | fcntl.LOCK_NB)
        last.close()  # ... and the last one lets go
        said = lambda: bool(select.select([waiting.stdout], [], [], 0)[0])  # noqa: E731
        assert wait_for(lambda: _waits_on(waiting.pid, os.fstat(third.fileno()).st_ino) or said())
        assert not said()
        third.close()
        assert waiting.stdout is not None and waiting.stdout.readline() == b"held\n"
    finally:
        waiting.kill()
        waiting.wait()


WAITS_FOR_THE_SPOOL = """
import sys
from pathlib import Path
from lab1.job.loggers.mlflow_process import _locked
_locked(Path(sys.argv[1]))
print("held", flush=True)
sys.stdin.read()
"""


def test_two_commands_on_a_new_store_at_once_both_log_their_runs(tmp_path):
    """Both logging processes would make the new store's tables at once; one at a time
    opens a SQLite store, so both sweeps are in it with their jobs."""
    commands = [
        [
            sys.executable,
            "-m",
            "lab1",
            "-m",
            "logger=mlflow",
            f"hydra.sweep.dir={name}",
            "dataset=xor",
            "optim=sgd,adam",
            *QUICK,
        ]
        for name in ("a", "b")
    ]
    running = [
        subprocess.Popen(c, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in commands
    ]
    errors = [p.communicate(timeout=240)[1].decode() for p in running]
    assert [p.returncode for p in running] == [0, 0] and not any("warning" in e for e in errors), errors
    runs = _runs(tmp_path / "outputs" / "mlflow.db")
    parents = runs[runs["tags.lab1.kind"] == "sweep"]
    assert sorted(parents["status"]) == ["FINISHED", "FINISHED"]
    jobs = [len(list((tmp_path / name).glob("*/metrics.json"))) for name in ("a", "b")]
    assert jobs[0] >= 2 and sorted(runs["tags.mlflow.parentRunId"].dropna().value_counts()) == sorted(jobs)


def _catches(pid: int, signum: int) -> bool:
    """Whether process ``pid`` has a handler for ``signum`` (``SigCgt`` in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return False


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_a_logging_process_left_alone_lets_go_of_the_commands_stderr(tmp_path):
    """After ``WAIT`` the command leaves its logging process to finish alone and tells it
    ``DETACH``: from then on it holds no end of the command's stderr, so a pipe or
    ``$(...)`` reading it ends with the command, not with the logging."""
    from lab1.job.loggers.mlflow_handle import DETACH

    logging = subprocess.Popen(
        [sys.executable, "-m", "lab1.job.loggers.mlflow_process", str(os.getpid())],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert wait_for(lambda: _catches(logging.pid, DETACH))
        logging.send_signal(DETACH)
        assert logging.stderr is not None
        assert wait_for(lambda: bool(select.select([logging.stderr], [], [], 0)[0]), 60)
        assert os.read(logging.stderr.fileno(), 1) == b""  # the end of the pipe, while it runs
        assert logging.poll() is None
    finally:
        logging.kill()
        logging.wait()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_sigterm_to_the_logging_process_logs_what_is_pending_and_marks_the_sweep_killed(
    tmp_path, empty_store
):
    """A cluster cancelling the job (``scancel``) or ``kill`` sends SIGTERM: the logging
    process logs the finished job it was handed, marks the sweep's run KILLED and ends."""
    db = tmp_path / "mlflow.db"
    shutil.copyfile(empty_store, db)
    cfg = make_cfg("logger=mlflow", f"logger.tracking_uri=sqlite:///{db}")
    session.start(cfg, tmp_path / "sw")
    try:
        (handle,) = session._RUNNING
        (tmp_path / "sw" / "a").mkdir(parents=True)
        record = {"loss": 0.5, "accuracy": 1.0, "epochs_run": 1, "config_hash": "aaaa"}
        trackers.log_job(tmp_path / "sw" / "a", cfg, {"epoch": [0], "loss": [0.5], "accuracy": [1.0]}, record)
        assert wait_for(lambda: _catches(handle.process.pid, signal.SIGTERM))
        handle.process.terminate()
        assert handle.process.wait(timeout=60) == 0
    finally:
        session.abandon()
    assert _sweep_statuses(db) == ["KILLED"]
    runs = _runs(db)
    assert list(runs[runs["tags.lab1.kind"] != "sweep"]["metrics.final_loss"]) == [0.5]
