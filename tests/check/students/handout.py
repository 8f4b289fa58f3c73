"""A student's lab in the handout's own format: its generators as given, a class per layer, two runs."""

import matplotlib.pyplot as plt
import numpy as np
from layers import Net


def generate_linear(n=100):
    import numpy as np

    pts = np.random.uniform(0, 1, (n, 2))
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
    import numpy as np

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


def show_result(x, y, pred_y):
    plt.subplot(1, 2, 1)
    plt.title("Ground truth", fontsize=18)
    plt.scatter(x[:, 0], x[:, 1], c=["r" if v == 0 else "b" for v in y[:, 0]])
    plt.subplot(1, 2, 2)
    plt.title("Predict result", fontsize=18)
    plt.scatter(x[:, 0], x[:, 1], c=["r" if v <= 0.5 else "b" for v in pred_y[:, 0]])
    plt.show()


def train_and_test(x, y, epochs, lr):
    net = Net()
    for epoch in range(epochs + 1):
        p = net.forward(x.T)
        if epoch % (epochs // 4) == 0:
            print(f"epoch {epoch} loss : {net.loss(p, y.T)}")
        net.backward(p, y.T)
        net.update(lr)
    p = net.forward(x.T).T
    for i, (truth, pred) in enumerate(zip(y[:, 0], p[:, 0])):
        print(f"Iter{i} |    Ground truth: {float(truth)} |     prediction: {pred:.5f} |")
    loss = float(np.mean((p - y) ** 2))
    accuracy = np.mean((p > 0.5) == (y == 1))
    print(f"loss={loss:.5f} accuracy={accuracy * 100:.2f}%")
    show_result(x, y, p)


if __name__ == "__main__":
    np.random.seed(1)
    x, y = generate_linear(n=100)
    train_and_test(x, y, epochs=800, lr=1.0)
    x, y = generate_XOR_easy()
    train_and_test(x, y, epochs=2000, lr=2.0)
