"""One BLAS thread per process unless the user sets ``VARIABLES``: the matrices are small, a sweep
runs a process per core, and one thread keeps every sum in the same order.
"""

from __future__ import annotations

import ctypes
import glob
import os
from pathlib import Path

VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
SETTERS = (  # NumPy's wheels bundle scipy-openblas; distributions ship plain OpenBLAS
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)


def _openblas_files() -> list[str]:
    """Shared libraries named like OpenBLAS that this process has loaded."""
    maps = Path("/proc/self/maps")
    if maps.exists():
        paths = {line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line.lower()}
        return sorted(p for p in paths if p.startswith("/"))
    import numpy as np

    root = Path(np.__file__).parent
    return sorted(
        glob.glob(str(root.parent / "numpy.libs" / "*openblas*"))
        + glob.glob(str(root / ".dylibs" / "*openblas*"))
    )


def limit_threads() -> bool:
    """Use one BLAS thread unless the user set one of ``VARIABLES``; True if OpenBLAS was told."""
    if any(var in os.environ for var in VARIABLES):
        return False
    for var in VARIABLES:
        os.environ[var] = "1"
    import numpy  # noqa: F401 - loads the BLAS library this process will use

    for path in _openblas_files():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in SETTERS:
            setter = getattr(lib, name, None)
            if setter is not None:
                setter(1)
                return True
    return False
