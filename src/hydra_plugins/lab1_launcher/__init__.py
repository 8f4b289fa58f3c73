"""lab1's Hydra launcher plugin: ``hydra/launcher=vectorized``."""
