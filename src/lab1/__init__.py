"""lab1: the back-propagation lab as a config-driven experiment sweep runner.

Layers, each a subpackage, each importing only those below it (checked by ``lint-imports``):
``report`` > ``sweep`` > ``job`` > ``config`` > ``nn``. ``data``, ``interrupt`` and
``internals`` (the one home of private Hydra and OmegaConf APIs) serve every layer; ``nn``
imports nothing else of lab1. Importing this package has no side effects, so Hydra's plugin
scan can load lab1's launcher in any Hydra application cheaply.
"""
