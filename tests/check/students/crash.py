"""Trains for a while, then breaks on a shape mismatch."""
import numpy as np

x = np.ones((21, 2))
w = np.ones((10, 1))
for epoch in range(0, 300, 100):
    print(f"epoch {epoch} loss : {1.0 / (epoch + 2)}")
h = x @ w
