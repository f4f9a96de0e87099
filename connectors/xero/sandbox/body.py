"""Reading a write's body as Xero does: JSON, or XML (pyxero and older clients send XML).

XML comes as a collection root (``<Contacts><Contact>...</Contact></Contacts>``) or a single
element (``<Contact>...</Contact>``).  An element with children becomes an object, one whose
children all carry the singular of its own name (``<Phones><Phone/>...``) a list, and a leaf its
text.  A body neither can read is Xero's ``PostDataInvalidException`` (HTTP 400).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

POST_DATA_INVALID = 14
"""Xero's ErrorNumber for a body it cannot read."""


class PostDataInvalid(ValueError):
    """The body is not JSON or XML Xero can read, or not the collection's shape."""


def _plural_of(parent: str, child: str) -> bool:
    if parent in (child + "s", child + "es"):
        return True
    return child.endswith("y") and parent == child[:-1] + "ies"


def element_value(element: ET.Element) -> Any:
    """Return an XML element as JSON-like data (object, list or text)."""
    children = list(element)
    if not children:
        return (element.text or "").strip()
    tags = {child.tag for child in children}
    if len(tags) == 1 and _plural_of(element.tag, children[0].tag):
        return [element_value(child) for child in children]
    out: dict[str, Any] = {}
    for child in children:
        out[child.tag] = element_value(child)
    return out


def _from_xml(raw: bytes, collection: str) -> list[Any]:
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise PostDataInvalid(f"the XML body cannot be read: {exc}") from exc
    if root.tag == collection:
        return [element_value(child) for child in root]
    if _plural_of(collection, root.tag):
        return [element_value(root)]
    raise PostDataInvalid(f"the XML body's root is <{root.tag}>; expected <{collection}>")


def _from_json(raw: bytes, collection: str) -> list[Any]:
    try:
        data = json.loads(raw.decode("utf-8") or "null", parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PostDataInvalid(f"Invalid Json data: {exc}") from exc
    if isinstance(data, Mapping) and isinstance(data.get(collection), list):
        return list(data[collection])
    if isinstance(data, Mapping):
        return [data]
    raise PostDataInvalid(f"the body must be an object with a {collection} list")


def body_list(raw: bytes, content_type: str, collection: str) -> list[Any]:
    """Return the elements a write body holds for a collection (``Contacts``, ``Invoices``...).

    :raises PostDataInvalid: when the body cannot be read.
    """
    kind = content_type.split(";")[0].strip().lower()
    if kind.endswith("/xml") or (not kind and raw.lstrip().startswith(b"<")):
        return _from_xml(raw, collection)
    return _from_json(raw, collection)


def post_data_invalid(message: str) -> dict[str, Any]:
    """Return the body of Xero's answer to an unreadable request body."""
    return {"ErrorNumber": POST_DATA_INVALID, "Type": "PostDataInvalidException",
            "Message": message}
