"""``python -m lab1``: the thin Hydra entry point over ``lab1.job.run.run``."""

from __future__ import annotations

import gc
import math
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from lab1 import interrupt
from lab1.config import (  # also registers the schemas
    CONFIG_PACKAGE,
    VERSION_BASE,
    ConfigError,
    command_mode,
    precheck_overrides,
)
from lab1.config.effects import check_effect, override_pairs
from lab1.config.extras import check_extras
from lab1.internals import answer_mode_probe
from lab1.job.artifacts import SNAPSHOT
from lab1.job.console import protect_stdout
from lab1.job.loggers import session
from lab1.job.places import discard
from lab1.job.run import discard_refused_sweep, record_failure, run

INTERRUPTED = "interrupted; every finished job is kept (run the same command again to resume a sweep)"


@hydra.main(version_base=VERSION_BASE, config_path=f"pkg://{CONFIG_PACKAGE}", config_name="config")
def main(cfg: DictConfig) -> float:
    """Compose the config, train, and return the objective for sweepers."""
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    try:
        check_effect(cfg, hc.overrides.task)
        multirun = hc.mode == RunMode.MULTIRUN
        job = f"{hc.job.num + 1} {out_dir.name}" if multirun else None
        return run(cfg, out_dir, log=out_dir / f"{hc.job.name}.log", job=job)
    except ConfigError as err:
        print(f"lab1: error: {err}", file=sys.stderr)
        discard(out_dir, {SNAPSHOT, f"{hc.job.name}.log"})  # a job refused before training
        if hc.mode == RunMode.MULTIRUN:
            discard_refused_sweep(Path(hc.sweep.dir))
        sys.exit(2)
    except Exception as err:  # noqa: BLE001 - a failed job is recorded, not a traceback
        failure = record_failure(out_dir, err)
        print(f"lab1: error: job {out_dir.name} failed: {failure}", file=sys.stderr)
        if hc.mode != RunMode.MULTIRUN:
            sys.exit(1)
        return math.nan  # the sweep goes on; results.csv shows this job as failed


def refuse_saved_run(args: list[str]) -> None:
    """Refuse Hydra's usual rerun, ``--config-dir <run>/.hydra --config-name config``: lab1's
    own config.yaml comes first on the search path, so it would train the defaults."""
    for i, arg in enumerate(args):
        flag, eq, value = arg.partition("=")
        if flag not in ("--config-dir", "-cd"):
            continue
        given = value if eq else (args[i + 1] if i + 1 < len(args) else "")
        if (Path(given) / "config.yaml").is_file() and (Path(given) / "overrides.yaml").is_file():
            raise ConfigError.plain(
                f"--config-dir {given} would train lab1's defaults, not that run; "
                f"to train it again bit for bit: python -m lab1.rerun {Path(given).parent}"
            )


def cli() -> None:
    """Check group choices, then hand over to Hydra."""
    protect_stdout()
    try:
        refuse_saved_run(sys.argv[1:])
        sys.argv[1:] = precheck_overrides(sys.argv[1:])  # epochs=1e4 is read as epochs=10000
        check_extras(override_pairs(a for a in sys.argv[1:] if not a.startswith("-")))
        answer_mode_probe(*command_mode(sys.argv[1:]))  # Hydra would compose once more to learn it
    except ConfigError as err:
        print(f"lab1: error: {err}", file=sys.stderr)
        sys.exit(2)
    try:
        with interrupt.ends_with(f"lab1: {INTERRUPTED}"):  # finished jobs are on disk, metrics.json last
            main()
    except Exception as err:  # noqa: BLE001 - what Hydra lets through still gets one line, not a traceback
        print(f"lab1: error: {type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)
    finally:
        session.end()  # stopped before the sweep's end: its MLflow parent run, if opened, is KILLED


if __name__ == "__main__":
    try:
        cli()
    finally:  # the process ends: what is left is freed without Python's collections over every
        gc.freeze()  # object, 0.2 s of each command, 1 s once MLflow is loaded (bench_loggers)
