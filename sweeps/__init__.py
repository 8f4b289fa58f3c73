"""The report's sweeps, shipped as ``lab1.conf.sweep`` and registered as the Hydra group ``sweep``."""
