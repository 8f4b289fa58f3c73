"""check grad's adapter for layers.py: lab1's (fan_in, fan_out) layout in, the student's (fan_out, fan_in) out."""

from layers import Net


def loss_and_grads(params, x, y):
    net = Net()
    for i, layer in enumerate(net.layers, start=1):
        layer.W = params[f"W{i}"].T
        layer.b = params[f"b{i}"].reshape(-1, 1)
    p = net.forward(x.T)  # the student's samples are columns
    loss = net.loss(p, y.T)
    net.backward(p, y.T)
    grads = {}
    for i, layer in enumerate(net.layers, start=1):
        grads[f"W{i}"] = layer.dW.T
        grads[f"b{i}"] = layer.db  # (fan_out, 1): lab1 drops the axis of length 1
    return loss, grads
