"""A student's lab in the plain-functions style, printing in other shapes than the handout's.

Parameters are a dict w1, b1, w2, ... with w (fan_in, fan_out) and b (1, fan_out).
It imports torch "only to compare" (forbidden), and changed generate_linear's range (modified).
"""
import numpy as np

try:
    import torch  # only to compare my results with, if it is installed
except ImportError:
    torch = None


def generate_linear(n=100):
    import numpy as np
    pts = np.random.uniform(-1, 1, (n, 2))
    inputs = []
    labels = []
    for pt in pts:
        inputs.append([pt[0], pt[1]])
        distance = (pt[0] - pt[1]) / 1.414
        if pt[0] > pt[1]:
            labels.append(0)
        else:
            labels.append(1)
    return np.array(inputs), np.array(labels).reshape(n, 1)


def generate_XOR_easy():
    inputs = []
    labels = []
    for i in range(11):
        inputs.append([0.1 * i, 0.1 * i])
        labels.append(0)
        if 0.1 * i == 0.5:
            continue
        inputs.append([0.1 * i, 1 - 0.1 * i])
        labels.append(1)
    return np.array(inputs), np.array(labels).reshape(21, 1)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def derivative_sigmoid(a):
    return np.multiply(a, 1.0 - a)


def init_params(sizes=(2, 10, 10, 1)):
    params = {}
    for i in range(1, len(sizes)):
        params["w%d" % i] = np.random.randn(sizes[i - 1], sizes[i])
        params["b%d" % i] = np.zeros((1, sizes[i]))
    return params


def forward(params, x):
    cache = {"a0": x}
    a = x
    for i in range(1, len(params) // 2 + 1):
        a = sigmoid(a @ params["w%d" % i] + params["b%d" % i])
        cache["a%d" % i] = a
    return a, cache


def mse_loss(p, y):
    return np.mean((p - y) ** 2)


def backward(params, cache, y):
    top = len(params) // 2
    grads = {}
    delta = 2 * (cache["a%d" % top] - y) / len(y) * derivative_sigmoid(cache["a%d" % top])
    for i in range(top, 0, -1):
        grads["w%d" % i] = cache["a%d" % (i - 1)].T @ delta
        grads["b%d" % i] = np.sum(delta, axis=0, keepdims=True)
        if i > 1:
            delta = delta @ params["w%d" % i].T * derivative_sigmoid(cache["a%d" % (i - 1)])
    return grads


def train(x, y, epochs, lr):
    params = init_params()
    for epoch in range(1, epochs + 1):
        p, cache = forward(params, x)
        grads = backward(params, cache, y)
        for k in params:
            params[k] -= lr * grads[k]
        if epoch % 100 == 0:
            acc = np.mean((p > 0.5) == y)
            print("Epoch: %d, loss: %f, acc: %f." % (epoch, mse_loss(p, y), acc))
    return params


if __name__ == "__main__":
    np.random.seed(3)
    for name, (x, y) in (("linear", generate_linear()), ("XOR", generate_XOR_easy())):
        print("==== %s ====" % name)
        params = train(x, y, epochs=300, lr=1.0)
        p, _ = forward(params, x)
        for i in range(len(y)):
            print("Iter%d |" % i)
            print("Ground truth:", y[i])
            print("prediction:", p[i])
        print("Accuracy :", np.mean((p > 0.5) == y, axis=0))
