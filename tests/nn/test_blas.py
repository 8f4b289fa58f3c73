"""lab1 runs BLAS on one thread unless the user says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import os, ctypes, numpy, lab1
from lab1.nn.blas import SETTERS, _openblas_files
getters = [n.replace("set_", "get_") for n in SETTERS]
threads = None
for path in _openblas_files():
    lib = ctypes.CDLL(path)
    for name in getters:
        if hasattr(lib, name):
            threads = getattr(lib, name)()
            break
print(os.environ["OPENBLAS_NUM_THREADS"], threads)
"""


def probe(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env={**clean, **env}, capture_output=True, text=True, check=True
    )
    return out.stdout.split()


def test_one_thread_even_when_numpy_was_loaded_first():
    variable, threads = probe()
    assert variable == "1"
    assert threads in ("1", "None")  # None: this NumPy has no OpenBLAS to ask


def test_the_users_setting_wins():
    variable, threads = probe(OPENBLAS_NUM_THREADS="2")
    assert variable == "2"
    assert threads in ("2", "None")
