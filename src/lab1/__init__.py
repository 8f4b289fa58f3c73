"""lab1: the back-propagation lab as a config-driven experiment sweep runner.

Layers (``report`` > ``sweep`` > ``job`` > ``config`` > ``nn``) are set in pyproject.toml's
import contracts. Importing this package has no side effects (Hydra's plugin scan loads it).
"""
