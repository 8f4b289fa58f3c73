"""A student's network in the common "class per layer" style: W is (fan_out, fan_in), columns are samples."""

import numpy as np


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


class Linear:
    def __init__(self, fan_in, fan_out):
        self.W = np.random.randn(fan_out, fan_in)
        self.b = np.zeros((fan_out, 1))

    def forward(self, x):  # x: (fan_in, n)
        self.x = x
        self.a = sigmoid(self.W @ x + self.b)
        return self.a

    def backward(self, grad_a):
        dz = grad_a * self.a * (1.0 - self.a)
        self.dW = dz @ self.x.T
        self.db = dz.sum(axis=1, keepdims=True)
        return self.W.T @ dz


class Net:
    def __init__(self, sizes=(2, 10, 10, 1)):
        self.layers = [Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def loss(self, p, y):
        return np.mean((p - y) ** 2)

    def backward(self, p, y):
        grad = 2.0 * (p - y) / y.shape[1]
        for layer in reversed(self.layers):
            grad = layer.backward(grad)

    def update(self, lr):
        for layer in self.layers:
            layer.W -= lr * layer.dW
            layer.b -= lr * layer.db
