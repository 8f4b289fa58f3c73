"""check grad's adapter for layers.py with the ForgetfulLinear mistake."""

from layers import Net
from mistakes import ForgetfulLinear


def loss_and_grads(params, x, y):
    net = Net()
    net.layers = [ForgetfulLinear(1, 1) for _ in range(3)]
    for i, layer in enumerate(net.layers, start=1):
        layer.W = params["W%d" % i].T
        layer.b = params["b%d" % i].reshape(-1, 1)
    p = net.forward(x.T)
    net.backward(p, y.T)
    return net.loss(p, y.T), {k: v for i, l in enumerate(net.layers, 1) for k, v in (("W%d" % i, l.dW.T), ("b%d" % i, l.db))}
