"""``python -m lab1.collect SWEEP_DIR``: the command; the work is ``lab1.sweep.collect``."""

from lab1.sweep.collect import main

if __name__ == "__main__":
    raise SystemExit(main())
