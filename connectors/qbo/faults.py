"""QuickBooks Online faults: parsing the JSON (and stray XML) error bodies into one-line reasons.

A fault looks like ``{"Fault": {"Error": [{"Message", "Detail", "code", "element"}], "type":
"ValidationFault"}, "time": ...}``.  It can arrive with HTTP 200 (and inside each batch item).
Throttling (code 3001, type SERVICE) has been seen as XML even when JSON was asked for.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from loftterm.api import RemoteError

STALE_OBJECT = "5010"
DUPLICATE_NAME = "6240"
THROTTLED = "3001"
OBJECT_NOT_FOUND = "610"
BATCH_TOO_LARGE = "1040"
HAS_BALANCE = "6000"


@dataclass(frozen=True)
class FaultError:
    """One ``Error`` entry of a fault."""

    code: str
    message: str = ""
    detail: str = ""
    element: str = ""


@dataclass(frozen=True)
class QboFault:
    """A parsed fault: its type and its errors."""

    type: str
    errors: tuple[FaultError, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """The error codes, in order."""
        return tuple(e.code for e in self.errors)

    def has(self, code: str) -> bool:
        """Return True when one of the errors has this code."""
        return code in self.codes

    @property
    def throttled(self) -> bool:
        """True for a ThrottleExceeded fault."""
        return self.has(THROTTLED) or any("throttle" in e.message.lower() for e in self.errors)

    def one_line(self) -> str:
        """Return the fault as one line: type, codes, messages and details."""
        parts = []
        for error in self.errors:
            text = f"{error.code} {error.message}".strip()
            if error.detail and error.detail != error.message:
                text += f": {error.detail}"
            if error.element:
                text += f" (field {error.element})"
            parts.append(text)
        summary = "; ".join(parts) or "no details"
        return " ".join(f"{self.type or 'Fault'} {summary}".split())


class QboFaultError(RemoteError):
    """The API answered a fault (a per-record problem unless the caller decides otherwise)."""

    def __init__(self, message: str, fault: QboFault, status: int) -> None:
        super().__init__(message, title="QuickBooks Online refused")
        self.fault = fault
        self.status = status


def fault_from_json(body: Any) -> QboFault | None:
    """Return the fault in a decoded JSON body (or a batch item), or None when there is none."""
    if not isinstance(body, Mapping):
        return None
    raw = body.get("Fault")
    if not isinstance(raw, Mapping):
        return None
    errors = raw.get("Error") or []
    if isinstance(errors, Mapping):
        errors = [errors]
    if not isinstance(errors, list):  # a number or a text (issue 7 fuzz): no details
        errors = []
    parsed = tuple(
        FaultError(
            code=str(e.get("code", "")),
            message=str(e.get("Message", "") or ""),
            detail=str(e.get("Detail", "") or ""),
            element=str(e.get("element", "") or ""),
        )
        for e in errors
        if isinstance(e, Mapping)
    )
    return QboFault(type=str(raw.get("type", "") or ""), errors=parsed)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def fault_from_xml(text: str) -> QboFault | None:
    """Return the fault in an XML ``IntuitResponse`` body, or None when it holds none."""
    if "<" not in text or "DOCTYPE" in text.upper():
        return None
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError:
        return None
    for node in root.iter():
        if _local(node.tag) != "Fault":
            continue
        errors = []
        for err in node:
            if _local(err.tag) != "Error":
                continue
            fields = {_local(child.tag): (child.text or "").strip() for child in err}
            errors.append(
                FaultError(
                    code=str(err.get("code", "")),
                    message=fields.get("Message", ""),
                    detail=fields.get("Detail", ""),
                    element=str(err.get("element", "")),
                )
            )
        return QboFault(type=str(node.get("type", "")), errors=tuple(errors))
    return None


_THROTTLE_TEXT = re.compile(r"ThrottleExceeded|errorCode=003001|code=\"3001\"", re.IGNORECASE)


def looks_throttled(text: str) -> bool:
    """Return True when an unparsed body mentions the throttle fault."""
    return bool(_THROTTLE_TEXT.search(text))
