"""``python -m lab1``: the thin Hydra entry point over ``lab1.run.run``."""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from lab1.config import ConfigError, precheck_overrides  # also registers the schemas
from lab1.run import run


@hydra.main(version_base=None, config_path="pkg://lab1.conf", config_name="config")
def main(cfg: DictConfig) -> float:
    """Compose the config, train, and return the objective for sweepers."""
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        return run(cfg, out_dir)
    except ConfigError as err:
        print(f"lab1: error: {err}", file=sys.stderr)
        discard_unstarted(out_dir)
        sys.exit(2)


def discard_unstarted(out_dir: Path) -> None:
    """Remove what Hydra created for a job refused before training (its config and log only)."""
    hydra_made = {".hydra", f"{HydraConfig.get().job.name}.log"}
    if out_dir.is_dir() and {p.name for p in out_dir.iterdir()} <= hydra_made:
        shutil.rmtree(out_dir / ".hydra", ignore_errors=True)
        for log in out_dir.glob("*.log"):
            log.unlink()
        with contextlib.suppress(OSError):
            out_dir.rmdir()


def cli() -> None:
    """Check group choices, then hand over to Hydra."""
    try:
        precheck_overrides(sys.argv[1:])
    except ConfigError as err:
        print(f"lab1: error: {err}", file=sys.stderr)
        sys.exit(2)
    main()


if __name__ == "__main__":
    cli()
