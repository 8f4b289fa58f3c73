"""The numpy core: activations, losses, layers, networks, optimizers and the training loop, every
array with the population axis (K members) first. Importing it limits BLAS to one thread.
"""

from lab1.nn.blas import limit_threads

limit_threads()
