"""Two mistakes students make, in the styles of layers.py and functions.py."""

import numpy as np
from functions import derivative_sigmoid
from layers import Linear


class ForgetfulLinear(Linear):
    """Passes dL/da back instead of dL/dz: the activation's derivative is left out of the chain."""

    def backward(self, grad_a):
        dz = grad_a * self.a * (1.0 - self.a)
        self.dW = dz @ self.x.T
        self.db = dz.sum(axis=1, keepdims=True)
        return self.W.T @ grad_a


def backward_without_2(params, cache, y):
    """MSE's derivative written as (p - y) / n."""
    top = len(params) // 2
    grads = {}
    delta = (cache["a%d" % top] - y) / len(y) * derivative_sigmoid(cache["a%d" % top])
    for i in range(top, 0, -1):
        grads["w%d" % i] = cache["a%d" % (i - 1)].T @ delta
        grads["b%d" % i] = np.sum(delta, axis=0, keepdims=True)
        if i > 1:
            delta = delta @ params["w%d" % i].T * derivative_sigmoid(cache["a%d" % (i - 1)])
    return grads
