"""``hydra/launcher=lab1_vectorized_slurm`` and ``lab1_vectorized_submitit_local``.

The vectorized launcher's jobs planned by ``lab1.sweep.cluster`` and submitted through
``lab1.sweep.submitted``; snapshots and JobReturns are written here as the vectorized launcher's.
"""

# No ``from __future__ import annotations``: Hydra's plugin scanner runs this module before
# it is in sys.modules, where dataclasses cannot resolve string annotations.
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from hydra.core.config_store import ConfigStore
from hydra.core.utils import JobReturn
from omegaconf import OmegaConf

from lab1.sweep.settings import Cluster

from .vectorized_launcher import VectorizedLauncher


@dataclass
class VectorizedSubmititLocalConf:
    """Settings of ``launcher=vectorized_submitit_local`` (``hydra.launcher.*``); the plan's
    defaults and their meanings are ``lab1.sweep.cluster.Cluster``'s."""

    _target_: str = "hydra_plugins.lab1_launcher.cluster_launcher.VectorizedSubmititLocalLauncher"
    submitit_folder: str = "${hydra.sweep.dir}/.submitit/%j"
    chunk_seconds: float = Cluster.chunk_seconds
    timeout_min: int = Cluster.timeout_min
    cpus_per_task: int = Cluster.cpus_per_task
    mem_gb: int | None = None
    array_parallelism: int = 4  # jobs running at once on this machine
    max_num_timeout: int = Cluster.max_num_timeout
    max_members: int = Cluster.max_members
    chunk_bytes: int = Cluster.chunk_bytes
    progress: Any = None
    dry_run: bool = Cluster.dry_run


@dataclass
class VectorizedSlurmConf(VectorizedSubmititLocalConf):
    """Settings of ``launcher=vectorized_slurm``: the local ones, and SLURM's own."""

    _target_: str = "hydra_plugins.lab1_launcher.cluster_launcher.VectorizedSlurmLauncher"
    array_parallelism: int = Cluster.array_parallelism
    mem_gb: int | None = 2
    partition: str | None = None
    qos: str | None = None
    account: str | None = None
    constraint: str | None = None
    signal_delay_s: int = 120  # USR2 this long before the time limit: the job requeues itself
    additional_parameters: dict[str, Any] = field(default_factory=dict)
    setup: list[str] | None = None  # commands run before the job, e.g. activating the venv


ConfigStore.instance().store(
    group="hydra/launcher", name="lab1_vectorized_submitit_local", node=VectorizedSubmititLocalConf
)
ConfigStore.instance().store(group="hydra/launcher", name="lab1_vectorized_slurm", node=VectorizedSlurmConf)

_PLAN = {f.name for f in fields(Cluster)} - {"dry_run", "executor"}  # the rest go to submitit


class VectorizedSubmititLocalLauncher(VectorizedLauncher):
    """The vectorized launcher's chunks as submitit jobs (here: processes on this machine)."""

    _CLUSTER = "local"

    def __init__(self, **params: Any) -> None:
        values = {k: OmegaConf.to_container(v) if OmegaConf.is_config(v) else v for k, v in params.items()}
        self.progress, self.dry_run = values.pop("progress", None), bool(values.pop("dry_run", False))
        self.folder = str(values.pop("submitit_folder"))
        self.plan_values: dict[str, Any] = {k: values.pop(k) for k in _PLAN if k in values}
        super().__init__(self.plan_values["max_members"], self.plan_values["chunk_bytes"], self.progress, -1)
        self.executor_values = values  # for submitit: mem_gb, partition, ...

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        """Compose, validate and resume as the vectorized launcher does; then plan, submit and wait."""
        from lab1.job.run import discard_refused_sweep
        from lab1.sweep.cluster import describe, plan_jobs
        from lab1.sweep.execute import prepare, refusing

        root, load = self._begin()
        settings = Cluster(**self.plan_values, dry_run=self.dry_run, executor=self.executor_values)
        snapshot = (lambda *_: None) if self.dry_run else self._snapshot
        with refusing(root):  # a bad value: refused before anything is written or submitted
            settings.check()
            prepared = prepare(job_overrides, initial_job_idx, load, self._locate, snapshot, self.progress)
        job_plan = plan_jobs([(p, p.cfg) for p in prepared.pending], settings)
        if self.dry_run:
            print("\n".join(describe(job_plan, settings, name=lambda p: p.out_dir.name)), flush=True)
            discard_refused_sweep(root)
            sys.exit(0)
        if job_plan.jobs:
            from lab1.sweep.submitted import submit_and_wait

            for p in (p for job in job_plan.jobs for chunk in job for p, _ in chunk):
                self._snapshot(p.config, p.cfg, p.out_dir)
            submit_and_wait(prepared, job_plan, self._CLUSTER, self.folder, settings)
        self._log_again()
        return prepared.returns(self._finish)


class VectorizedSlurmLauncher(VectorizedSubmititLocalLauncher):
    """The vectorized launcher's chunks as the jobs of a SLURM job array."""

    _CLUSTER = "slurm"
