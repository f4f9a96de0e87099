"""Fault parsing: JSON faults, batch item faults, and the throttle fault that arrives as XML."""

from __future__ import annotations

from connectors.qbo.faults import fault_from_json, fault_from_xml, looks_throttled
from connectors.qbo.sandbox.server import THROTTLE_XML

DUPLICATE = {
    "Fault": {"Error": [{"Message": "Duplicate Name Exists Error",
                         "Detail": "The name supplied already exists. : Another customer, vendor "
                                   "or employee is already using this name.",
                         "code": "6240", "element": ""}], "type": "ValidationFault"},
    "time": "2024-03-04T09:30:00.000-07:00",
}


def test_json_fault_becomes_one_line() -> None:
    fault = fault_from_json(DUPLICATE)
    assert fault is not None and fault.has("6240") and not fault.throttled
    line = fault.one_line()
    assert line.startswith("ValidationFault 6240 Duplicate Name Exists Error: The name supplied")
    assert "\n" not in line


def test_non_fault_bodies_give_none() -> None:
    assert fault_from_json({"QueryResponse": {}}) is None
    assert fault_from_json([1, 2]) is None
    assert fault_from_xml("not xml at all") is None


def test_xml_throttle_is_recognised() -> None:
    fault = fault_from_xml(THROTTLE_XML.decode())
    assert fault is not None and fault.type == "SERVICE"
    assert fault.codes == ("3001",) and fault.throttled
    assert "ThrottleExceeded" in fault.one_line()
    assert looks_throttled(THROTTLE_XML.decode())


def test_xml_with_a_doctype_is_not_parsed() -> None:
    hostile = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
               '<IntuitResponse><Fault type="SERVICE"><Error code="3001"/></Fault></IntuitResponse>')
    assert fault_from_xml(hostile) is None
