"""lab1: the back-propagation lab as a config-driven experiment sweep runner."""

from lab1.blas import limit_threads

limit_threads()
