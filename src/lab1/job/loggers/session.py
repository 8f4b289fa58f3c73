"""``logger=mlflow``: a command's MLflow session, in its launching process only, logging each
finished run once from its directory with MLflow's own client (``docs/trackers.md``)."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from lab1.config import ConfigError
from lab1.config.extras import check_extras
from lab1.job import artifacts
from lab1.job.loggers import chosen, describe, params, warn
from lab1.job.places import OUTPUTS, where_lab1_runs

SQLITE = "sqlite:///"
DEFAULT = f"{SQLITE}{OUTPUTS}/mlflow.db"
EXPERIMENT = "lab1"
POINTS = 25  # at most about this many rows of history.csv per curve (the last always): one log_batch
ARTIFACTS = ("*.png", artifacts.ANIMATION, artifacts.METRICS, "params.npz")
FINAL = {"loss": "final_loss", "accuracy": "final_accuracy"}  # metrics.json's keys, renamed
FINAL |= {key: key for key in ("epochs_run", "epochs_to_100", "wall_seconds")}
QUICK_FAILURE = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}


def _sqlite_path(uri: str) -> Path | None:
    """The file of a ``sqlite:///`` URI; None for any other store."""
    return Path(uri[len(SQLITE) :]) if uri.startswith(SQLITE) else None


def _unopened(uri: str, err: BaseException) -> ConfigError:
    return ConfigError.plain(f"logger.tracking_uri={uri} cannot be opened: {describe(err)}")


def check_store(uri: str | None) -> str:
    """The absolute URI, checked without MLflow (ConfigError, one line): a new SQLite store made in
    write-ahead-log mode (a commit 0.3 ms, not 1.2: ``bench_loggers.py --calls``), an old one read."""
    check_extras([("logger", "mlflow")])  # what pip installs it, in one line
    uri = uri or DEFAULT
    path = _sqlite_path(uri)
    if path is None:
        return uri
    path = (where_lab1_runs() / path).resolve()
    try:
        new = not path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(path)) as db:  # a file that is not a database fails here
            db.execute("pragma journal_mode=wal" if new else "pragma schema_version")
    except Exception as err:  # noqa: BLE001 - whatever the file system raises, one line and exit 2
        raise _unopened(f"{SQLITE}{path}", err) from None
    return f"{SQLITE}{path}"


def open_store(uri: str, experiment: str | None) -> tuple[Any, str]:
    """(MlflowClient, experiment id) of a checked store, the experiment made if new (artifacts
    beside a SQLite store); ConfigError (one line) if the store does not open."""
    path = _sqlite_path(uri)
    try:
        from mlflow.tracking import MlflowClient
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        if not event.contains(Engine, "connect", _relaxed):
            event.listen(Engine, "connect", _relaxed)
        for name in ("mlflow", "alembic"):  # lab1 says what failed, in one line
            logging.getLogger(name).setLevel(logging.CRITICAL)
        for key, value in QUICK_FAILURE.items():  # a server that does not answer fails at once
            os.environ.setdefault(key, value)
        client, name = MlflowClient(tracking_uri=uri), experiment or EXPERIMENT
        found = client.get_experiment_by_name(name)
        if found is not None:
            return client, str(found.experiment_id)
        location = (path.parent / "mlartifacts").as_uri() if path is not None else None
        return client, str(client.create_experiment(name, artifact_location=location))
    except Exception as err:  # noqa: BLE001 - whatever the store raises, one line and exit 2
        raise _unopened(uri, err) from None


def _relaxed(connection: Any, _: Any) -> None:
    """A write-ahead-log SQLite store commits unsynced: a power cut loses only the last runs, which
    the next command logs; 1 ms of 24 a run (``bench_loggers.py --calls``)."""
    wal = isinstance(connection, sqlite3.Connection) and connection.execute("pragma journal_mode").fetchone()
    if wal and wal[0] == "wal":
        connection.execute("pragma synchronous=normal")


def settle(uri: str) -> None:
    """Fold a SQLite store's write-ahead log into its file (lab1 exits without closing MLflow)."""
    path = _sqlite_path(uri)
    if path is not None:
        with contextlib.suppress(sqlite3.Error), contextlib.closing(sqlite3.connect(path, timeout=1)) as db:
            db.execute("pragma wal_checkpoint(truncate)")  # a reader (mlflow ui) can delay it 1 s


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def identity(run_dir: Path) -> str | None:
    """A finished run's identity, the hash of its metrics.json; None if unfinished."""
    try:
        return _hash((run_dir / artifacts.METRICS).read_text())
    except OSError:
        return None


def metrics(run_dir: Path, record: dict[str, Any]) -> list[tuple[str, float, int]]:
    """(key, value, step): loss and accuracy at up to ``POINTS`` evenly spaced rows of
    history.csv and the last (step = epoch), then metrics.json's final values."""
    with open(run_dir / "history.csv", newline="") as f:
        header, *rows = [*csv.reader(f)] or [["epoch", "loss", "accuracy"]]  # empty: no curve
    keep = sorted({*range(0, len(rows), max(1, -(-len(rows) // POINTS))), len(rows) - 1}) if rows else []
    epoch, columns = header.index("epoch"), {key: header.index(key) for key in ("loss", "accuracy")}
    out = [(key, float(rows[i][c]), int(rows[i][epoch])) for key, c in columns.items() for i in keep]
    step = int(record.get("epochs_run") or 0)
    finals = [(name, record.get(key)) for key, name in FINAL.items()]
    return out + [(name, float(v), step) for name, v in finals if isinstance(v, (int, float))]


class Store:
    """One command's store: checked at once, opened while the workers train or at first use; the
    runs it holds, asked once; the sweep's parent run. A failure to log is one warning, then nothing."""

    def __init__(self, cfg: Any, sweep_dir: Path | None) -> None:
        self.uri, self.experiment_name = check_store(cfg.logger.tracking_uri), cfg.logger.experiment
        self.opening: Future[tuple[Any, str]] | None = None
        self.sweep = (str(sweep_dir.resolve()), _hash(str(sweep_dir.resolve()))) if sweep_dir else None
        self.client: Any = None
        self.parent: str | None = None
        self.held: set[str] = set()  # identities of the runs the store holds (the sweep's asked once)
        self.failed = False
        if _sqlite_path(self.uri) is None:  # a server is asked now: one that does not answer is refused
            self.prefetch().result()

    def prefetch(self) -> Future[tuple[Any, str]]:
        """Open the store in a daemon thread: 2.5 s hidden behind training (``bench_loggers.py``)."""
        if self.opening is None:
            self.opening = Future()
            threading.Thread(target=self._open, args=(self.opening,), daemon=True).start()
        return self.opening

    def _open(self, opening: Future[tuple[Any, str]]) -> None:
        try:
            opening.set_result(open_store(self.uri, self.experiment_name))
        except BaseException as err:  # noqa: BLE001 - raised where the store is used (wait)
            opening.set_exception(err)

    def wait(self) -> None:
        """MLflow's client, the experiment's id and the sweep's runs the store holds, once open."""
        if self.client is None:
            self.client, self.experiment = self.prefetch().result()
            if self.sweep:
                self.held = self._identities(f"tags.`lab1.sweep_id` = '{self.sweep[1]}'")

    def _identities(self, query: str) -> set[str]:
        """The identities of the finished runs the store holds that match ``query`` (every page)."""
        found, token = set(), None
        while True:
            page = self.client.search_runs([self.experiment], query, max_results=5000, page_token=token)
            found |= {r.data.tags.get("lab1.identity") for r in page if r.info.status == "FINISHED"}
            token = page.token
            if not token:
                return found

    def log(self, run_dir: Path, cfg: Any = None, trained: bool = False) -> None:
        """Log a finished run (params from ``cfg`` or its snapshot) unless the store holds it."""
        key = identity(run_dir)
        if self.failed or key is None:
            return
        try:
            self.wait()
            if key not in self.held and not trained:
                self.held |= self._identities(f"tags.`lab1.identity` = '{key}'")
            if key not in self.held:
                snapshot = run_dir / artifacts.SNAPSHOT / "config.yaml"  # the run's saved config
                cfg = OmegaConf.load(snapshot) if cfg is None and snapshot.is_file() else cfg
                self._log(run_dir.resolve(), params(cfg) if cfg is not None else {}, key)
                self.held.add(key)
        except Exception as err:  # noqa: BLE001 - a tracker's failure is a warning, never the run's
            self.failed = True
            later = f"on {self.sweep[0]}" if self.sweep else "that logs this run"
            then = f"the runs not logged are logged by the next logger=mlflow command {later}"
            warn("mlflow", f"{run_dir} to {self.uri}", err, then)

    def _parent(self) -> str:
        """The sweep's parent run: the one it had (resumed), else a new one; RUNNING."""
        if self.parent is None:
            assert self.sweep is not None
            path, sweep_id = self.sweep
            query = f"tags.`lab1.sweep_id` = '{sweep_id}' and tags.`lab1.kind` = 'sweep'"
            found = self.client.search_runs([self.experiment], query, max_results=1)
            if found:
                self.parent = str(found[0].info.run_id)
                self.client.update_run(self.parent, status="RUNNING")
            else:
                tags = {"lab1.sweep_dir": path, "lab1.sweep_id": sweep_id, "lab1.kind": "sweep"}
                run = self.client.create_run(self.experiment, tags=tags, run_name=Path(path).name)
                self.parent = str(run.info.run_id)
        return self.parent

    def _log(self, run_dir: Path, values: dict[str, Any], key: str) -> None:
        """One MLflow run of a finished run's directory (a child of the sweep's parent run)."""
        from mlflow.entities import Metric, Param

        record = artifacts.read_metrics(run_dir) or {}
        end = int(1000 * (run_dir / artifacts.METRICS).stat().st_mtime)
        sweep_dir, sweep_id = self.sweep or ("", "")
        tags = {"lab1.run_dir": str(run_dir), "lab1.job": run_dir.name, "lab1.identity": key}
        tags |= {"lab1.config_hash": str(record.get("config_hash", "")), "lab1.sweep_dir": sweep_dir}
        if self.sweep is not None:
            tags |= {"mlflow.parentRunId": self._parent(), "lab1.sweep_id": sweep_id}
        start = end - int(1000 * float(record.get("wall_seconds") or 0))
        run = self.client.create_run(self.experiment, start_time=start, tags=tags, run_name=run_dir.name)
        run_id = run.info.run_id
        try:
            named = [Param(k, str(v)) for k, v in values.items()]
            points = [Metric(k, v, end, step) for k, v, step in metrics(run_dir, record)]
            self.client.log_batch(run_id, metrics=points, params=named)  # within MLflow's 1000 and 100
            from mlflow.store.artifact.artifact_repository_registry import get_artifact_repository

            store = get_artifact_repository(run.info.artifact_uri)  # once, not once per file
            for path in sorted(p for p in run_dir.iterdir() if any(p.match(a) for a in ARTIFACTS)):
                store.log_artifact(str(path))
        except BaseException:  # half logged (Ctrl-C, a store failing): gone, so the next command logs it
            self.client.delete_run(run_id)
            raise
        self.client.set_terminated(run_id, "FINISHED", end_time=end)

    def close(self, files: list[Path], status: str) -> None:
        """The sweep's collected files to its parent run, and its status (FINISHED, KILLED)."""
        if self.sweep is None or self.failed or (self.parent is None and status != "FINISHED"):
            return
        try:
            self.wait()
            parent = self._parent()
            for path in files:
                if path.is_file():
                    self.client.log_artifact(parent, str(path))
            self.client.set_terminated(parent, status, end_time=int(time.time() * 1000))
        except Exception as err:  # noqa: BLE001 - as above
            warn("mlflow", self.sweep[0], err)


_OPEN: list[Store] = []  # this process's session, while its command runs


def start(cfg: Any, sweep_dir: Path | None) -> None:
    """Before any job trains: check the store (ConfigError if it cannot be opened)."""
    end()
    if "mlflow" in chosen(cfg):
        _OPEN.append(Store(cfg, sweep_dir))


def prefetch() -> None:
    """Open the store while the workers train; only once they are forked (a fork mid-import hangs)."""
    for store in _OPEN:
        store.prefetch()


def finished(run_dirs: Iterable[Path], cfg: Any = None, trained: bool = False) -> None:
    """Log runs the launching process saw finish (``trained`` by this command: new to the store)."""
    for store in _OPEN:
        for run_dir in run_dirs:
            store.log(run_dir, cfg, trained)


def end(files: list[Path] | None = None, run_dirs: Iterable[Path] = ()) -> None:
    """Log ``run_dirs`` and ``files`` to the parent run (FINISHED), or with ``files`` None, KILLED."""
    finished(run_dirs)
    while _OPEN:
        store = _OPEN.pop()
        store.close(files or [], "FINISHED" if files is not None else "KILLED")
        settle(store.uri)
