"""One job: validate its config, train it, print and write its results."""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from lab1 import interrupt
from lab1.config import MODELS, reuse_dirs, settings, validate
from lab1.job import artifacts, console, reuse
from lab1.job.loggers import chosen, params, session, warn
from lab1.job.places import discard
from lab1.job.population import MemberResult, train_configs


def describe(cfg: DictConfig) -> str:
    """A short title for figures: dataset, optimizer, learning rate, network, activation."""
    net = MODELS[cfg.model.name].title(cfg)
    return f"{cfg.dataset.name}, {cfg.optim.name} lr={cfg.lr:g}, {net}, {cfg.activation}, seed {cfg.seed}"


def objective_value(cfg: DictConfig, record: dict[str, Any]) -> float:
    """What the task returns to a sweeper: final loss (inf if diverged) or accuracy."""
    if cfg.objective == "accuracy":
        return float(record["accuracy"])
    loss = record["loss"]
    return float(loss) if loss is not None and math.isfinite(loss) else math.inf


def fingerprint(cfg: DictConfig) -> str:
    """A hash of every resolved config value that affects the results of a job."""
    text = json.dumps(settings(cfg), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def finished(cfg: DictConfig, out_dir: Path, record: dict[str, Any], config_hash: str | None = None) -> bool:
    """Whether ``record`` (``out_dir``'s metrics.json) is a finished run of this config, with
    everything it asks to draw: a run asked for its animation afterwards trains again."""
    if record.get("config_hash") != (config_hash or fingerprint(cfg)):
        return False
    return not cfg.plots.animation or (out_dir / artifacts.ANIMATION).exists()


def earlier_run(
    cfg: DictConfig, out_dir: Path, index: reuse.Index | None = None
) -> tuple[dict[str, Any], Path | None] | None:
    """A finished run of this same config, unless ``resume=false``: the job directory's own
    (source None), else one copied in from a ``reuse`` directory (source: where from)."""
    if not cfg.resume:
        return None
    record = artifacts.read_metrics(out_dir)
    dirs = [str(d) for d in reuse_dirs(cfg.get("reuse"))]
    if record is None and not dirs:  # a new job: no hash to compute
        return None
    config_hash = fingerprint(cfg)
    if record is not None and finished(cfg, out_dir, record, config_hash):
        return record, None
    figures = ("*.png",) * bool(cfg.plots.per_job) + (artifacts.ANIMATION,) * bool(cfg.plots.animation)
    src = (index or reuse.Index()).find(dirs, config_hash, figures, out_dir) if dirs else None
    record = reuse.copy_run(src, out_dir, figures) if src is not None else None
    return (record, src) if record is not None else None


def save(out_dir: Path, cfg: DictConfig, r: MemberResult, log: console.JobLog) -> dict[str, Any]:
    """Write a finished job's listing to its log, then its files (figures and training.gif if
    enabled, TensorBoard's events with ``logger=tensorboard``), metrics.json last."""
    log.lines(console.listing(r, cfg))
    record = artifacts.write_run(out_dir, r, int(cfg.epochs))
    record["config_hash"] = fingerprint(cfg)
    if cfg.plots.per_job:
        from lab1.job import plots  # matplotlib loads only for a job that draws

        plots.draw_all(r, describe(cfg), out_dir)
    if cfg.plots.animation:
        from lab1.job import animation

        animation.draw(r, describe(cfg), out_dir)
    if "tensorboard" in chosen(cfg):
        from lab1.job.loggers import tensorboard_logger

        try:
            tensorboard_logger.log_job(out_dir, r.history, params(cfg))
        except Exception as err:  # noqa: BLE001 - a tracker's failure is a warning, never the run's
            warn("tensorboard", out_dir, err)
    with interrupt.deferred():  # the mark of a finished run, written whole
        artifacts.write_metrics(out_dir, record)
    return record


def discard_refused_sweep(root: Path) -> None:
    """Remove a sweep directory that a refused launch left holding only Hydra's multirun.yaml."""
    session.end()
    discard(root, {"multirun.yaml"})


def record_failure(out_dir: Path, err: BaseException) -> str:
    """Write error.json (the job's error, for results.csv) unless the job finished; return its text."""
    text = f"{type(err).__name__}: {err}"
    with contextlib.suppress(OSError):  # nowhere to record it: the console line is all there is
        if not (out_dir / artifacts.METRICS).exists():
            payload = json.dumps({"error": text}) + "\n"
            out_dir.mkdir(parents=True, exist_ok=True)
            artifacts.atomic_write(out_dir / artifacts.ERROR, lambda p: p.write_text(payload))
    return text


def run(
    cfg: DictConfig, out_dir: Path, verbose: bool = True, log: Path | None = None, job: str | None = None
) -> float:
    """Train one job, print as the handout asks (a multirun's ``job``: one line), also to
    ``log``, write its run directory; return the objective."""
    interrupt.check()  # a Ctrl-C lost while Hydra wrote this job's snapshot
    validate(cfg)
    out = console.JobLog(log, echo=verbose and job is None)
    if job is None:
        session.start(cfg, None)  # a tracking store that cannot be opened is refused before training
    if (found := earlier_run(cfg, out_dir)) is not None:
        record, outcome = found[0], console.kept(found[1])
        out.lines([f"lab1: {out_dir}: {outcome}"])
    else:
        on_progress, close = console.progress_bar(int(cfg.epochs), cfg.progress if out.echo else False)
        try:
            (result,) = train_configs([cfg], out.loss if verbose else None, on_progress)
        finally:
            close()
        record = save(out_dir, cfg, result, out)
        outcome = console.result_text(record, cfg)
    if verbose and job is not None:
        console.emit(f"lab1: job {job}: {outcome}")
    # in the launching process (a single run, basic launcher)
    session.finished([out_dir], cfg, trained=found is None)
    if job is None:
        session.end([])
        if verbose and found is None:
            out.lines([f"lab1: wrote {out_dir}"])
    return objective_value(cfg, record)
