"""``python -m lab1 --help``: every group's choices and every key's meaning (``MEANINGS``) and rule
(``CHECKS``), stored as Hydra's ``hydra.help.template``.
"""

from __future__ import annotations

from hydra.core.config_store import ConfigStore

from lab1.config.checks import ALLOWED_TEXT, CHECKS, MEANINGS
from lab1.config.overrides import config_groups, group_choices

USAGE = """lab1: the back-propagation lab as a config-driven sweep runner.

  python -m lab1 [key=value ...]              train one network and print its predictions
  python -m lab1 -m key=a,b [key=c,d ...]     a sweep: every combination, one job each
  python -m lab1 +sweep=NAME                  one of the report's sweeps
  python -m lab1 --cfg job                    print the composed config with every value
  python -m lab1.rerun RUN_DIR                train a saved run again, bit for bit
"""


def help_text() -> str:
    """The whole help page."""
    groups = config_groups()
    lines = [USAGE, "== Config groups (group=choice) =="]
    lines += [f"  {g:<10} {', '.join(group_choices(g))}: {MEANINGS.get(g, '')}" for g in groups]
    lines += ["", "== Keys (key=value) =="]
    for key, meaning in MEANINGS.items():
        if key in groups:
            continue
        allowed = CHECKS[key][1] if key in CHECKS else ALLOWED_TEXT.get(key, "")
        lines.append(f"  {key:<32} {meaning}" + (f"; {allowed}" if allowed else ""))
    lines += ["", "Hydra's own options: python -m lab1 --hydra-help", ""]
    return "\n".join(lines)


def register_help() -> None:
    """Store the page as ``lab1_help`` (``conf/config.yaml``'s defaults list names it)."""
    node = {"hydra": {"help": {"app_name": "lab1", "template": help_text()}}}
    ConfigStore.instance().store(name="lab1_help", node=node, package="_global_")


register_help()
