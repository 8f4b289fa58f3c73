"""``python -m lab1.rerun RUN_DIR [--out DIR]``: train a saved run again, bit for bit.

It reads ``RUN_DIR/.hydra/config.yaml`` (the whole config the run used) and writes a new
run directory, ``outputs/reruns/<date>/<time>`` by default, relative to where you run it;
its last line says whether the new ``params.npz`` and ``metrics.json`` equal the original's
(exit 0) or not (exit 1).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from lab1 import interrupt
from lab1.config import ConfigError
from lab1.job.console import protect_stdout
from lab1.job.rerun import differences, rerun, verdict


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and rerun; a refused input is one line and exit 2."""
    protect_stdout()
    parser = argparse.ArgumentParser(prog="python -m lab1.rerun", description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run's directory (the one holding .hydra/)")
    parser.add_argument("--out", type=Path, default=None, help="the new run directory")
    args = parser.parse_args(argv)
    out = args.out or Path("outputs/reruns") / datetime.now().strftime("%Y-%m-%d/%H-%M-%S-%f")
    try:
        with interrupt.ends_with("lab1.rerun: interrupted"):
            rerun(args.run_dir, out)
    except ConfigError as err:
        print(f"lab1.rerun: error: {err}", file=sys.stderr)
        return 2
    differ = differences(args.run_dir, out)
    print(f"lab1.rerun: {verdict(differ, args.run_dir, out)}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
