"""QBO: a DisplayName clash is predicted from the mirror, reported, and never sent."""

from __future__ import annotations

from loftterm.console import BookConsole
from loftterm.demo import DemoEnvironment
from loftterm.plugins import make_plugin_manager


def test_vendor_name_held_by_an_employee_is_not_sent(qbo_demo: DemoEnvironment) -> None:
    console = BookConsole(qbo_demo.config, make_plugin_manager(), sleep=lambda s: None)
    report = console.sync("qbo")
    assert report.ok and report.connectors["qbo"]["failed"] >= 1
    clash = [w for w in console.warnings() if w.kind == "name-clash" and w.profile_id == "P004"]
    assert clash and "Marcus Whitfield" in clash[0].message and "employee" in clash[0].message
    sandbox = qbo_demo.sandboxes["qbo"]
    bodies = [call.body.decode() for call in sandbox.calls("POST")]  # type: ignore[attr-defined]
    assert not any('"DisplayName": "Marcus Whitfield"' in b or '"DisplayName":"Marcus Whitfield"' in b
                   for b in bodies)
