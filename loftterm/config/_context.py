"""The checking context every part of the loader reports through, and the wording of errors.

:class:`_Ctx` carries the name errors are reported under, the environment and the rules of the
section being checked; its :meth:`~_Ctx.fail` raises the one-line ``file:line: key: problem``
:class:`~loftterm.errors.ConfigError`.  :func:`_join` builds dotted key paths and
:func:`_describe` names a value in a message without ever showing a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from loftterm.errors import ConfigError


@dataclass
class _Ctx:
    """Where errors go, the environment, and the rules of the section being checked."""

    source: str
    env: Mapping[str, str]
    require: bool = True  # required keys and env variables must be there (enabled section)
    open_keys: bool = False  # unknown keys pass through (connector without a settings hook)

    def fail(self, line: int | None, path: str, problem: str) -> NoReturn:
        where = self.source if line is None else f"{self.source}:{line}"
        raise ConfigError(f"{where}: {path}: {problem}")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _describe(value: Any, secret: bool = False) -> str:
    """Describe a value for an error message; a secret's value is never shown."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "a boolean" if secret else f"boolean {str(value).lower()}"
    kinds = {int: "integer", float: "number", str: "string"}
    kind = next((name for cls, name in kinds.items() if isinstance(value, cls)),
                type(value).__name__)
    if secret:
        return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"
    shown = repr(value) if isinstance(value, str) else str(value)
    return f"{kind} {shown if len(shown) <= 40 else shown[:37] + '...'}"
