"""The vectorized launchers' settings (``hydra.launcher.*``): their defaults and what each allows.

The launchers' Hydra configs (``hydra_plugins.lab1_launcher``) read their defaults from
here. Hydra's plugin scan imports them in any Hydra application, so this module imports
nothing of lab1 at import time (``lab1.config`` registers lab1's own configs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

TIMEOUT_SHARE = 0.5  # a cluster job is planned to use at most this share of timeout_min
SETTINGS: dict[str, tuple[Callable[[Any], bool], str]] = {  # setting -> (check, what is allowed)
    "max_members": (lambda v: v >= 1, "an integer >= 1"),
    "chunk_bytes": (lambda v: v >= 1, "an integer >= 1 (bytes)"),
    "n_jobs": (lambda v: v == -1 or v >= 1, "-1 (one per core) or an integer >= 1"),
    "chunk_seconds": (lambda v: v > 0, "a number of seconds > 0"),
    "cpus_per_task": (lambda v: v >= 1, "an integer >= 1"),
    "timeout_min": (lambda v: v >= 1, "an integer >= 1 (minutes)"),
    "array_parallelism": (lambda v: v >= 1, "an integer >= 1"),
}


def check_settings(**values: Any) -> None:
    """Raise ConfigError for a setting (``hydra.launcher.NAME``) outside what is allowed."""
    from lab1.config import ConfigError

    for name, value in values.items():
        check, allowed = SETTINGS[name]
        if not check(value):
            raise ConfigError(f"hydra.launcher.{name}", value, allowed)


@dataclass
class Sizes:
    """How a sweep is cut into populations (``launcher=vectorized`` and the cluster ones)."""

    max_members: int = 256  # at most this many jobs in one population
    chunk_bytes: int = 4194304  # and about this many bytes of arrays (4 MiB)

    def check(self) -> None:
        """Raise ConfigError for a setting outside what is allowed."""
        check_settings(**{f.name: getattr(self, f.name) for f in fields(self) if f.name in SETTINGS})


@dataclass
class Cluster(Sizes):
    """``launcher=vectorized_slurm``'s settings that shape the plan, and their defaults."""

    chunk_seconds: float = 300.0  # estimated work per submitted job, per cpu
    cpus_per_task: int = 2  # worker processes in each job
    timeout_min: int = 60
    array_parallelism: int = 64  # jobs of the array running at once
    max_num_timeout: int = 3  # requeues after a timeout or preemption
    dry_run: bool = False  # print the plan, submit nothing
    executor: dict[str, Any] = field(default_factory=dict)  # the rest, for submitit

    def limit_ns(self) -> float:
        """The work per cpu a job is planned for: chunk_seconds, within its share of timeout_min."""
        return min(self.chunk_seconds, TIMEOUT_SHARE * 60 * self.timeout_min) * 1e9
