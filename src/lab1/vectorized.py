"""A sweep trained as populations: compose the jobs cheaply, group them, train each group at once.

The Hydra launcher in ``hydra_plugins.lab1_launcher`` is a thin wrapper over these
functions. Jobs that share everything but seed, learning rate, optimizer scalars and init
scheme form one group (see ``group_key``); each group is trained as one population,
in chunks of at most ``max_members`` members and about ``chunk_bytes`` of arrays, and every
job's directory is then written exactly as a single run writes it.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import math
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra._internal.config_loader_impl import ConfigLoaderImpl, get_overrides_dirname
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from omegaconf import DictConfig, OmegaConf, open_dict

from lab1 import interrupt
from lab1.config import ConfigError, config_groups, hidden_sizes, validate
from lab1.conv import out_size
from lab1.optimizers import hyperparameter_names
from lab1.population import MemberResult, train_configs


class JobComposer:
    """Compose each job's config once per distinct set of config-group choices.

    The first job with a given set of structural overrides (group choices such as
    ``optim=adam`` or ``+sweep=lr``, additions, deletions, hydra's own) and of overridden
    keys is composed by Hydra in full. The others copy it and apply their own value
    overrides (``lr=0.1``) exactly as Hydra applies command-line overrides after composing,
    then get their own ``hydra.overrides.task`` and ``override_dirname``.
    """

    def __init__(self, load: Callable[[list[str]], DictConfig]) -> None:
        self.load = load
        self.parser = OverridesParser.create()
        self.templates: dict[tuple, bytes] = {}  # pickled: a copy is one loads
        self.parsed: dict[str, Override] = {}  # each distinct override line parsed once
        self.groups: set[str] = set(config_groups())
        self.full = 0  # how many jobs Hydra composed in full

    def _is_value(self, o: Override) -> bool:
        """A plain ``key=value`` override of a config value."""
        key = o.key_or_group
        return not (
            o.package is not None
            or o.is_delete()
            or o.is_add()
            or o.is_force_add()
            or "/" in key
            or key.startswith("hydra")
            or key in self.groups
        )

    def compose(self, overrides: Sequence[str]) -> DictConfig:
        """The job's full config, as ``load_sweep_config`` would return it."""
        for line in overrides:
            if line not in self.parsed:
                (self.parsed[line],) = self.parser.parse_overrides([line])
        parsed = [self.parsed[line] for line in overrides]
        values = [o for o in parsed if self._is_value(o)]
        structural = sorted(o.input_line for o in parsed if not self._is_value(o))
        key = (tuple(structural), tuple(sorted(o.key_or_group for o in values)))
        template = self.templates.get(key)
        if template is None:
            cfg = self.load(list(overrides))
            self.full += 1
            self.groups |= set(cfg.hydra.runtime.choices.keys())
            self.templates[key] = pickle.dumps(cfg)
            return cfg
        cfg = pickle.loads(template)  # a deep copy, several times faster than deepcopy
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        with open_dict(cfg.hydra):
            cfg.hydra.overrides.task = [o.input_line for o in parsed]
            od = cfg.hydra.job.config.override_dirname
            cfg.hydra.job.override_dirname = get_overrides_dirname(
                overrides=parsed, kv_sep=od.kv_sep, item_sep=od.item_sep, exclude_keys=list(od.exclude_keys)
            )
        return cfg


# Configs the sweeper composed while checking a batch, handed to the launcher (same process).
_COMPOSED: dict[tuple[str, ...], DictConfig] = {}


def remember(overrides: Sequence[str], config: DictConfig) -> None:
    """Keep a job's composed config for the launcher."""
    _COMPOSED[tuple(overrides)] = config


def recall(overrides: Sequence[str]) -> DictConfig | None:
    """A config the sweeper composed for these overrides (handed over once), if any."""
    return _COMPOSED.pop(tuple(overrides), None)


def group_key(cfg: DictConfig) -> tuple:
    """What members of one population must share; seed, lr, optimizer scalars and init may differ."""
    _, flags = hyperparameter_names(cfg.optim.name)
    return (
        cfg.dataset.name,
        int(cfg.dataset.n),
        int(cfg.epochs),
        hidden_sizes(cfg),
        tuple(OmegaConf.to_container(cfg.model).items()),
        tuple(OmegaConf.to_container(cfg.dataset).items()),
        cfg.activation,
        float(cfg.leaky_slope),
        cfg.output_activation,
        cfg.loss,
        bool(cfg.bias),
        cfg.optim.name,
        tuple(bool(cfg.optim[f]) for f in flags),
        cfg.batch_size,
        cfg.early_stop,
        int(cfg.log_every) if cfg.log_every is not None else None,
    )


def _samples(cfg: DictConfig) -> int:
    """Training samples of a job's dataset (the schema's ``n`` where the file decides)."""
    return 4 if cfg.dataset.name == "xor4" else 21 if cfg.dataset.name == "xor" else int(cfg.dataset.n)


def conv_units(cfg: DictConfig) -> int:
    """Outputs of a CNN's convolution per sample: filters x output pixels (0 for an MLP)."""
    if cfg.model.name != "cnn":
        return 0
    m = cfg.model
    side = out_size(int(cfg.dataset.size), int(m.kernel), int(m.stride), int(m.padding))
    return int(m.filters) * side * side


def _widths(cfg: DictConfig) -> tuple[int, ...]:
    """Widths of the dense layers, from their input to the output."""
    if cfg.model.name == "cnn":
        return (conv_units(cfg), int(cfg.model.hidden), 1)
    return (2, *hidden_sizes(cfg), 1)


def _weights(widths: tuple[int, ...]) -> int:
    """Weights and biases of dense layers of these widths."""
    return sum((a + 1) * b for a, b in zip(widths[:-1], widths[1:]))


def member_bytes(cfg: DictConfig) -> int:
    """Rough bytes of one member's arrays in training: activations, gradients, parameters, state."""
    n = _samples(cfg)
    if cfg.model.name == "cnn":  # the convolution's output dominates: about filters x image pixels
        side = int(cfg.dataset.size) + 2 * int(cfg.model.padding)
        return 8 * 6 * n * int(cfg.model.filters) * side * side
    widths = _widths(cfg)
    return 8 * (4 * n * sum(widths[1:]) + 5 * _weights(widths))


EPOCH_NS = 110_000.0  # the numpy calls of one epoch of a population (K >= 2), whatever its size
FIGURES_NS = 600e6  # one job's per-run figures (three, about 0.2 s each here)
PARALLEL_NS = 500e6  # less estimated work than this runs in one process (a pool costs ~0.1 s)


def member_ns(cfg: DictConfig) -> float:
    """Rough nanoseconds one member adds to an epoch, measured on the lab's networks here:
    about 10 per sample and unit (the activation's exp and elementwise work) and 0.6 per
    sample and weight (the three matrix products), plus the convolution's patches."""
    widths = _widths(cfg)
    units = sum(widths[1:]) + conv_units(cfg)
    weights = _weights(widths)
    if cfg.model.name == "cnn":
        weights += 3 * conv_units(cfg) * int(cfg.model.kernel) ** 2
    return _samples(cfg) * (10.0 * units + 0.6 * weights)


def chunk_cost(chunk: list[tuple[Any, DictConfig]]) -> float:
    """Rough nanoseconds to train a chunk, epochs x (per-epoch calls + its members' work),
    and to draw its members' per-run figures."""
    cfg = chunk[0][1]
    figures = FIGURES_NS * sum(bool(c.plots.per_job) for _, c in chunk)
    return (int(cfg.epochs) + 1) * (EPOCH_NS + len(chunk) * member_ns(cfg)) + figures


def chunks(members: list[Any], size: int) -> list[list[Any]]:
    """Split into the fewest chunks of at most ``size``, as even as possible."""
    count = max(1, -(-len(members) // max(1, size)))
    step, extra = divmod(len(members), count)
    out, start = [], 0
    for i in range(count):
        stop = start + step + (i < extra)
        out.append(members[start:stop])
        start = stop
    return [c for c in out if c]


def plan(jobs: Sequence[tuple[Any, DictConfig]], max_members: int, chunk_bytes: int) -> list[list[Any]]:
    """Groups of jobs that can share a population, chunked; in first-job order."""
    groups: dict[tuple, list[Any]] = {}
    for job, cfg in jobs:
        groups.setdefault(group_key(cfg), []).append((job, cfg))
    out: list[list[Any]] = []
    for members in groups.values():
        size = min(max_members, max(1, chunk_bytes // member_bytes(members[0][1])))
        out += chunks(members, size)
    return out


@dataclass
class Pending:
    """A job still to train: where its results go."""

    idx: int
    config: DictConfig  # full, with hydra
    cfg: DictConfig  # the task's part
    out_dir: Path


def plain(cfg: DictConfig) -> DictConfig:
    """A resolved copy without parents or interpolations, cheap to send to a worker process."""
    return OmegaConf.create(OmegaConf.to_container(cfg, resolve=True))


def task_config(config: DictConfig) -> DictConfig:
    """The config a task function receives: everything but ``hydra``."""
    return OmegaConf.masked_copy(config, [k for k in config if k != "hydra"])


def makespan(chunk_list: list[list[Any]], workers: int) -> float:
    """Estimated wall nanoseconds when the costliest chunks go first to whichever worker is free."""
    loads = [0.0] * workers
    for cost in sorted((chunk_cost(c) for c in chunk_list), reverse=True):
        loads[loads.index(min(loads))] += cost
    return max(loads)


def spread(chunk_list: list[list[Any]], workers: int) -> list[list[Any]]:
    """Chunks for ``workers`` processes, costliest first (the pool hands them out in order).

    The costliest chunk is split in two as long as that shortens the estimated wall time
    (each chunk pays the per-epoch calls, so splitting is not free): one big group, or
    three equal chunks for two workers, no longer leave a worker idle at the end.
    """
    out = list(chunk_list)
    best = makespan(out, workers)
    while out:
        largest = max(range(len(out)), key=lambda i: chunk_cost(out[i]))
        if len(out[largest]) < 2:
            break
        trial = out[:largest] + chunks(out[largest], -(-len(out[largest]) // 2)) + out[largest + 1 :]
        time = makespan(trial, workers)
        if time >= best:
            break
        out, best = trial, time
    return sorted(out, key=chunk_cost, reverse=True)


def workers(n_jobs: int, chunk_list: list[list[Any]], min_ns: float = PARALLEL_NS) -> int:
    """Processes to use: ``n_jobs`` as asked, or for -1 one per core (at most one per job),
    but only one when the sweep's estimated work (``chunk_cost``) is under ``min_ns``."""
    if n_jobs > 0:
        return n_jobs
    if sum(chunk_cost(c) for c in chunk_list) < min_ns:
        return 1
    return min(os.cpu_count() or 1, sum(len(c) for c in chunk_list))


def _ignore_interrupt() -> None:
    """Workers leave Ctrl-C to the launching process, which stops them. They start with
    SIGINT blocked (see ``_interrupt_blocked``), so none arrives before it is ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextlib.contextmanager
def _interrupt_blocked() -> Iterator[None]:
    """Hold Ctrl-C back while worker processes are forked; it is delivered afterwards."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _pool(n: int) -> concurrent.futures.ProcessPoolExecutor:
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    return concurrent.futures.ProcessPoolExecutor(n, mp_context=context, initializer=_ignore_interrupt)


def _train_with_fallback(cfgs: list[DictConfig]) -> list[MemberResult | BaseException]:
    """Train a chunk (validated by ``run_sweep``) as one population; if that fails, each
    job alone, so one bad job fails alone."""
    try:
        return list(train_configs(cfgs))
    except Exception:  # noqa: BLE001 - retried one by one below, where the error is kept
        if len(cfgs) == 1:
            raise
    out: list[MemberResult | BaseException] = []
    for cfg in cfgs:
        try:
            out += train_configs([cfg])
        except Exception as err:  # noqa: BLE001 - recorded as that job's failure
            out.append(err)
    return out


def train_and_save(cfgs: list[DictConfig], out_dirs: list[Path]) -> list[tuple[str, Any]]:
    """Train a chunk and write each job's directory as a single run does.

    Runs in a worker process, so the writing (and any per-job figures) is shared out too.
    Returns per job ``("ok", metrics record)`` or ``("failed", error text)``; a failed
    job has its ``error.json`` and the others are unaffected.
    """
    from lab1 import run

    out: list[tuple[str, Any]] = []
    for cfg, out_dir, result in zip(cfgs, out_dirs, _train_with_fallback(cfgs)):
        if not isinstance(result, BaseException):
            try:
                out.append(("ok", run.save(out_dir, cfg, result)))
                continue
            except Exception as err:  # noqa: BLE001 - recorded as this job's failure
                result = err
        out.append(("failed", run.record_failure(out_dir, result)))
    return out


def _train_in_workers(
    n: int,
    chunk_list: list[list[Pending]],
    snapshots: Callable[[list[Pending]], None],
    record: Callable[[list[Pending], list[tuple[str, Any]]], None],
) -> None:
    """Hand every chunk to ``n`` worker processes, which train it and write its jobs; write
    the snapshots here meanwhile, then record each chunk as it finishes. Ctrl-C stops the
    workers (a job cut off has no metrics.json yet)."""
    if any(p.cfg.plots.per_job for members in chunk_list for p in members):
        from lab1 import plots  # noqa: F401 - loaded once here, inherited by every forked worker
    pool = _pool(n)
    try:
        futures = {}
        with _interrupt_blocked():  # the pool forks its workers in submit
            for members in chunk_list:
                for p in members:
                    p.out_dir.mkdir(parents=True, exist_ok=True)
                cfgs = [plain(p.cfg) for p in members]
                futures[pool.submit(train_and_save, cfgs, [p.out_dir for p in members])] = members
        for members in chunk_list:
            snapshots(members)
        interrupt.check()
        for future in interrupt.as_completed(futures):
            record(futures[future], future.result())
    except KeyboardInterrupt:
        for child in multiprocessing.active_children():
            child.terminate()
        raise
    finally:
        # wait for the pool's manager thread even after Ctrl-C (the workers are gone, so it
        # ends at once): left running, Python 3.11's exit hook can race it and print an
        # OSError traceback after lab1's one line
        pool.shutdown(wait=True, cancel_futures=True)


SETTINGS = {  # the launcher's own settings: (check, what is allowed)
    "max_members": (lambda v: v >= 1, "an integer >= 1"),
    "chunk_bytes": (lambda v: v >= 1, "an integer >= 1 (bytes)"),
    "n_jobs": (lambda v: v == -1 or v >= 1, "-1 (one per core) or an integer >= 1"),
}


def check_settings(max_members: int, chunk_bytes: int, n_jobs: int) -> None:
    """Raise ConfigError for a launcher setting outside what is allowed."""
    values = {"max_members": max_members, "chunk_bytes": chunk_bytes, "n_jobs": n_jobs}
    for name, (check, allowed) in SETTINGS.items():
        if not check(values[name]):
            raise ConfigError(f"hydra.launcher.{name}", values[name], allowed)


def run_sweep(
    job_overrides: list[list[str]],
    initial_idx: int,
    load: Callable[[list[str]], DictConfig],
    locate: Callable[[DictConfig, int], Path],
    snapshot: Callable[[DictConfig, DictConfig, Path], None],
    finish: Callable[[DictConfig, DictConfig, str, Any], Any],
    max_members: int = 256,
    chunk_bytes: int = 4194304,
    progress: bool | None = None,
    n_jobs: int = -1,
) -> list[Any]:
    """Every job of one batch: returns ``finish(config, task_cfg, status, value)`` per job, in order.

    ``locate(config, idx)`` numbers a job and returns its directory; ``snapshot(config,
    task_cfg, out_dir)`` writes its ``.hydra`` files. In one process a chunk's snapshots are
    written before it trains; with worker processes every chunk is handed out first and the
    snapshots are written here while the workers train (all before this returns). A job
    cut off between finishing and its snapshot is still found finished by resume, which
    then writes the snapshot.
    """
    from lab1 import console, reuse, run

    check_settings(max_members, chunk_bytes, n_jobs)
    composer = JobComposer(load)
    configs = [recall(o) or composer.compose(o) for o in job_overrides]
    cfgs = [task_config(c) for c in configs]
    for cfg in cfgs:  # refuse a bad value (ConfigError) before anything is written or trained
        validate(cfg)
    outcome: dict[int, tuple[str, Any]] = {}
    pending: list[Pending] = []
    bar = console.JobBar(len(cfgs), progress)
    index = reuse.Index()
    for i, (config, cfg) in enumerate(zip(configs, cfgs)):
        out_dir = locate(config, initial_idx + i)
        found = run.earlier_run(cfg, out_dir, index)
        if found is not None:
            snapshot(config, cfg, out_dir)  # Hydra rewrites a job's snapshot on every launch
            outcome[i] = ("ok", run.objective_value(cfg, found[0]))
            bar.kept(out_dir, found[1])
        else:
            pending.append(Pending(i, config, cfg, out_dir))
    chunk_list = plan([(p, p.cfg) for p in pending], max_members, chunk_bytes)
    n = workers(n_jobs, chunk_list)
    chunk_list = spread(chunk_list, n) if n > 1 else chunk_list

    def snapshots(members: list[Pending]) -> None:
        for p in members:
            snapshot(p.config, p.cfg, p.out_dir)

    def record(members: list[Pending], results: list[tuple[str, Any]]) -> None:
        for p, (status, value) in zip(members, results):
            if status == "ok":
                outcome[p.idx] = ("ok", run.objective_value(p.cfg, value))
                bar.finished(p.out_dir, value)
            else:  # a failed job is recorded (error.json, a row in results.csv); the sweep goes on
                outcome[p.idx] = ("ok", math.nan)
                bar.failed(p.out_dir, value)

    member_lists = [[p for p, _ in chunk] for chunk in chunk_list]
    if n == 1:
        for members in member_lists:
            snapshots(members)
            interrupt.check()
            record(members, train_and_save([p.cfg for p in members], [p.out_dir for p in members]))
    else:
        _train_in_workers(n, member_lists, snapshots, record)
    bar.close()
    return [finish(config, cfg, *outcome[i]) for i, (config, cfg) in enumerate(zip(configs, cfgs))]
