"""Prints the linear run, then hangs in the xor run's training (no numpy: it starts at once)."""
import time

for epoch in range(0, 5000, 1000):
    print(f"epoch {epoch} loss : {0.25 / (epoch + 1)}")
for i in range(100):
    truth = i % 2
    print(f"Iter{i} |    Ground truth: {truth} |     prediction: {0.9 if truth else 0.1} |")
print("loss=0.01 accuracy=100.00%")
print("epoch 0 loss : 0.3")
while True:
    time.sleep(0.2)
