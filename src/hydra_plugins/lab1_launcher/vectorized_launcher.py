"""``hydra/launcher=vectorized``: a Hydra launcher that trains a sweep's jobs as populations.

A thin wrapper over ``lab1.sweep.execute`` that writes snapshots and JobReturns as Hydra's ``run_job``.
"""

# No ``from __future__ import annotations``: Hydra's plugin scanner runs this module before
# it is in sys.modules, where dataclasses cannot resolve string annotations.
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, JobStatus, configure_log, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict, read_write

from lab1.internals import basic_sweeper, save_config
from lab1.sweep.settings import Sizes, check_settings

BasicSweeper, BasicSweeperConf = basic_sweeper()

log = logging.getLogger(__name__)


@dataclass
class VectorizedLauncherConf:
    """Settings of the vectorized launcher (``hydra.launcher.*``)."""

    _target_: str = "hydra_plugins.lab1_launcher.vectorized_launcher.VectorizedLauncher"
    max_members: int = Sizes.max_members  # at most this many jobs in one population
    chunk_bytes: int = Sizes.chunk_bytes  # and about this many bytes of arrays
    progress: Any = None  # sweep progress bar: null = on a terminal
    n_jobs: int = -1  # worker processes: -1 = one per core (small sweeps use one); a number as given


ConfigStore.instance().store(group="hydra/launcher", name="vectorized", node=VectorizedLauncherConf)


@dataclass
# BasicSweeper(Conf) come from basic_sweeper() at runtime, on purpose: mypy cannot see them as types
class Lab1SweeperConf(BasicSweeperConf):  # type: ignore[valid-type,misc]
    """Hydra's basic sweeper, validating each batch with lab1's job composer."""

    _target_: str = "hydra_plugins.lab1_launcher.vectorized_launcher.Lab1Sweeper"


ConfigStore.instance().store(group="hydra/sweeper", name="lab1", node=Lab1SweeperConf)


class Lab1Sweeper(BasicSweeper):  # type: ignore[valid-type,misc]  # runtime base, see above
    """The basic sweeper (same grid, same order), whose batch check composes each job once
    (``JobComposer``) and hands the configs to the vectorized launcher, which reuses them."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose every job of the batch (raising as Hydra would) and keep the configs."""
        from lab1.sweep.compose import JobComposer, remember

        loader, master = self.hydra_context.config_loader, self.config
        composer = JobComposer(lambda overrides: loader.load_sweep_config(master, overrides))
        for overrides in batch:
            remember(overrides, composer.compose(overrides))


class _JobReturn(JobReturn):
    """Hydra's JobReturn whose ``hydra_cfg`` (the job's hydra node, copied as run_job does) is made
    when first read: nothing in a sweep reads it, and the copy costs milliseconds a job."""

    job_config: DictConfig | None = None

    @property
    def hydra_cfg(self) -> DictConfig | None:
        """A copy of the job config's hydra node, made once."""
        if self.__dict__.get("_hydra_cfg") is None and self.job_config is not None:
            self.__dict__["_hydra_cfg"] = OmegaConf.masked_copy(self.job_config, ["hydra"])
        return self.__dict__.get("_hydra_cfg")

    @hydra_cfg.setter
    def hydra_cfg(self, value: DictConfig | None) -> None:
        self.__dict__["_hydra_cfg"] = value


class VectorizedLauncher(Launcher):
    """Train alike jobs of a sweep at once; see ``lab1.sweep.execute``."""

    def __init__(self, max_members: int, chunk_bytes: int, progress: Any, n_jobs: int) -> None:
        self.sizes, self.progress = Sizes(int(max_members), int(chunk_bytes)), progress
        self.n_jobs = int(n_jobs)
        self.config: DictConfig | None = None
        self.task_function: TaskFunction | None = None
        self.hydra_context: HydraContext | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        """Keep what launch needs."""
        self.config, self.hydra_context, self.task_function = config, hydra_context, task_function

    def _begin(self) -> tuple[Path, Callable[[list[str]], DictConfig]]:
        """Set Hydra up as run_job does; the sweep directory (made) and the job composer's loader."""
        setup_globals()
        assert self.config is not None and self.hydra_context is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        root = Path(str(self.config.hydra.sweep.dir))
        root.mkdir(parents=True, exist_ok=True)
        loader, master = self.hydra_context.config_loader, self.config
        return root, lambda overrides: loader.load_sweep_config(master, overrides)

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        """Compose, validate, resume, group, train and write every job; one JobReturn each."""
        from lab1.sweep.execute import prepare, refusing, train

        root, load = self._begin()
        with refusing(root):  # a bad value: refused before anything is written or trained
            self.sizes.check()
            check_settings(n_jobs=self.n_jobs)
            prepared = prepare(
                job_overrides, initial_job_idx, load, self._locate, self._snapshot, self.progress
            )
            train(prepared, self._snapshot, self.sizes, self.n_jobs)
        self._log_again()
        return prepared.returns(self._finish)

    def _log_again(self) -> None:
        """Hydra's logging as configured, again (jobs may have changed it)."""
        assert self.config is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)

    def _locate(self, config: DictConfig, idx: int) -> Path:
        """Number the job and resolve its directory, as run_job does."""
        with open_dict(config):
            config.hydra.job.id = idx
            config.hydra.job.num = idx
        if "${hydra:" in str(OmegaConf.to_container(config.hydra.sweep, resolve=False)):
            HydraConfig.instance().set_config(config)  # the names use Hydra's resolver
        out_dir = Path(str(config.hydra.sweep.dir)) / str(OmegaConf.select(config, "hydra.sweep.subdir"))
        with read_write(config.hydra.runtime), open_dict(config.hydra.runtime):
            config.hydra.runtime.output_dir = os.path.abspath(out_dir)
        return out_dir

    def _snapshot(self, config: DictConfig, task_cfg: DictConfig, out_dir: Path) -> None:
        """Create the job's directory and write its .hydra snapshot as run_job does."""
        out_dir.mkdir(parents=True, exist_ok=True)
        if config.hydra.output_subdir is not None:
            sub = out_dir / str(config.hydra.output_subdir)
            save_config(task_cfg, "config.yaml", sub)
            save_config(config, "hydra.yaml", sub, only="hydra")
            save_config(config.hydra.overrides.task, "overrides.yaml", sub)
        (out_dir / f"{config.hydra.job.name}.log").touch()  # Hydra's job log, as run_job leaves it

    def _finish(self, config: DictConfig, task_cfg: DictConfig, value: float) -> JobReturn:
        """The JobReturn Hydra's run_job would have built."""
        ret = _JobReturn()
        ret.cfg = task_cfg
        ret.job_config = config
        ret.overrides = list(config.hydra.overrides.task)
        ret.working_dir = os.getcwd()
        ret.task_name = str(config.hydra.job.name)
        ret.status = JobStatus.COMPLETED
        ret.return_value = value  # NaN for a failed job, as the task function returns
        return ret
