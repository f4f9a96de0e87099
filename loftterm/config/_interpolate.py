"""``${VAR}`` and ``${VAR:-default}`` in string values (``$${`` is a literal ``${``).

A variable that fills a number or a boolean is read back as a YAML scalar
(:func:`_read_scalar`), so ``${PAGE_SIZE:-100}`` is an integer.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from ._context import _Ctx

_ENV_REF = re.compile(r"\$\$\{|\$\{([^}]*)\}|\$\{")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class _Unset(Exception):
    """An environment variable without default is not set."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _interpolate(text: str, ctx: _Ctx, line: int | None, path: str,
                 secret: bool) -> tuple[str, bool]:
    """Expand ``${VAR}`` and ``${VAR:-default}``; return the text and whether anything was.

    :raises _Unset: for a variable without default in a disabled section (elsewhere: fails).
    """
    if "${" not in text:
        return text, False
    parts: list[str] = []
    position, substituted = 0, False
    for match in _ENV_REF.finditer(text):
        parts.append(text[position : match.start()])
        position = match.end()
        if match.group(0) == "$${":
            parts.append("${")
            continue
        inner = match.group(1)
        name, has_default, default = (inner or "").partition(":-")
        if inner is None or not _ENV_NAME.match(name):
            shown = "" if secret else f" {match.group(0)!r}"
            ctx.fail(line, path, f"bad environment reference{shown}; write ${{NAME}} or "
                                 "${NAME:-default}")
        value = ctx.env.get(name)
        if has_default and not value:
            value = default
        if value is None:
            if not ctx.require:
                raise _Unset(name)
            ctx.fail(line, path, f"environment variable {name} is not set")
        parts.append(value)
        substituted = True
    parts.append(text[position:])
    return "".join(parts), substituted


def _read_scalar(text: str) -> Any:
    """Read an expanded variable as a YAML scalar (``100`` -> 100, ``true`` -> True)."""
    try:
        value = yaml.safe_load(text)
    except Exception:  # anything unreadable stays text and fails the type check
        return text
    return text if isinstance(value, dict | list) else value
