"""The one exception of a refused configuration: it names the key, the value and the rule."""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """A config value outside what is allowed; the message names key, value and rule."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        super().__init__(f"{key}={value!r} is not allowed: {allowed}")

    @classmethod
    def plain(cls, message: str) -> ConfigError:
        """An error whose whole message is given (a data file's problem, say)."""
        err = cls.__new__(cls)
        ValueError.__init__(err, message)
        return err
