"""Configuration: the schema of every key, the value checks and the override pre-check; importing it
registers the schemas and the ``sweep`` group with Hydra (the values live in ``conf/`` and ``sweeps/``).
"""

from lab1.config import help as _help  # noqa: F401  (registers the --help page)
from lab1.config.checks import log_interval, reuse_dirs, validate
from lab1.config.errors import ConfigError
from lab1.config.models import MODELS, hidden_sizes, net_spec
from lab1.config.overrides import command_mode, config_groups, group_choices, precheck_overrides
from lab1.config.schema import CONFIG_PACKAGE, PRESENTATION, VERSION_BASE, presentation_overrides, settings

__all__ = [
    "command_mode",
    "CONFIG_PACKAGE",
    "VERSION_BASE",
    "PRESENTATION",
    "presentation_overrides",
    "settings",
    "MODELS",
    "ConfigError",
    "config_groups",
    "group_choices",
    "hidden_sizes",
    "log_interval",
    "net_spec",
    "precheck_overrides",
    "reuse_dirs",
    "validate",
]
