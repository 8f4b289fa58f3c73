"""Hydra's configs of lab1, shipped as the package ``lab1.conf`` (``pkg://lab1.conf``)."""
