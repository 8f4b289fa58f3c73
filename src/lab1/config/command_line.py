"""``python -m lab1``'s command line: Hydra's flags, each flag's value, and lab1's overrides; a dashed
word that is no flag (``--lr=0.1``, ``--multi``) gets one line saying what to write instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

from lab1.config.errors import ConfigError

# Flags that choose a config other than lab1's own.
OWN_CONFIG_FLAGS = frozenset(
    {"-cp", "--config-path", "-cn", "--config-name", "-cd", "--config-dir", "--experimental-rerun"}
)
# Hydra's flags that take the next argument as their value (--info's value is optional).
VALUED = OWN_CONFIG_FLAGS | {"-c", "--cfg", "-p", "--package"}
# Every flag of Hydra's command line (a test compares this with Hydra's own parser).
HYDRA_FLAGS = VALUED | {"-h", "--help", "--hydra-help", "--version", "--resolve", "-r", "--run", "-m"}
HYDRA_FLAGS |= {"--multirun", "-sc", "--shell-completion", "-i", "--info"}
HANDED_OVER = ("--version", "-sc", "--shell-completion")  # Hydra answers these with lab1 untouched


def dashed_word(args: list[str], i: int, known: Collection[str]) -> str:
    """What to write for the dashed word ``args[i]``: ``lr=0.1`` for ``--lr 0.1``, else the nearest flag."""
    arg = args[i]
    name, eq, value = arg.lstrip("-").partition("=")
    if eq or name in known:
        shown = arg
        following = args[i + 1] if i + 1 < len(args) else ""
        if not eq and following and not following.startswith("-") and "=" not in following:
            shown, value = f"{arg} {following}", following
        return f"{shown} is not a flag: lab1's settings take no dashes; write {name}={value or 'VALUE'}"
    close = difflib.get_close_matches(arg, sorted(HYDRA_FLAGS), n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}?" if close else "see python -m lab1 --help"
    return f"{arg} is not a flag of python -m lab1; {hint} (settings are key=value, without dashes)"


def split(args: list[str], known: Collection[str]) -> tuple[list[str], bool] | None:
    """(the overrides among ``args``, whether the config is lab1's own); None: leave it all to Hydra."""
    overrides: list[str] = []
    own = True
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        flag = arg.split("=", 1)[0]
        if flag in HANDED_OVER:
            return None
        if arg.startswith("-"):
            if flag not in HYDRA_FLAGS:
                raise ConfigError.plain(dashed_word(args, i, known))
            own = own and flag not in OWN_CONFIG_FLAGS
            optional = arg in ("-i", "--info") and i + 1 < len(args) and "=" not in args[i + 1]
            skip = arg in VALUED or optional
            continue
        overrides.append(arg)
    return overrides, own
