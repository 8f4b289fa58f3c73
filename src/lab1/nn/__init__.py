"""The numpy core: activations, losses, layers, networks, optimizers and the training loop.

Every array carries the population axis first (K members trained at once). This package
imports nothing else of lab1. Importing it limits BLAS to one thread (see ``blas``).
"""

from lab1.nn.blas import limit_threads

limit_threads()
