"""check grad's adapter for functions.py: lab1's W1, b1 ... are the student's w1, b1 ..."""

from functions import backward, forward, mse_loss


def loss_and_grads(params, x, y):
    mine = {k.lower(): v for k, v in params.items()}
    p, cache = forward(mine, x)
    grads = backward(mine, cache, y)
    return mse_loss(p, y), {k.upper() if k.startswith("w") else k: g for k, g in grads.items()}
