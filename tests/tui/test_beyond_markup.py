"""Wording of the plan rows and the evidence (pure functions, no app)."""

from __future__ import annotations

from loftterm.engine.decide.explain import Evidence
from loftterm.tui.screens.explain import explain_markup, plausible
from loftterm.tui.screens.plan import PlanRow, describe_item


def test_plan_items_say_what_they_do() -> None:
    assert describe_item({"action": "link", "method": "name", "score": 0.8333,
                          "remote_id": "X-1"}) == "by name 83% to X-1"
    assert describe_item({"action": "link", "method": "email", "score": 1.0}) == "by email"
    assert describe_item({"action": "update", "changed": ["name", "email"]}) == (
        "remote fields: name, email")
    assert describe_item({"action": "update-local", "changed": ["phone"]}) == "local fields: phone"
    assert describe_item({"action": "create", "role": "vendor"}) == "new remote vendor"
    assert describe_item({"action": "import", "remote_id": "X-9"}) == "new local profile from X-9"
    assert describe_item({"action": "archive", "reason": "follows Xero"}) == "follows Xero"
    row = PlanRow.of_item({"id": "0001", "action": "unlink", "connector": "xero",
                           "profile_id": "P1", "name": "Ann"})
    assert (row.item, row.what) == ("0001", "-")


def _evidence(remote_id: str, score: float, *, email: bool = False, linked: str = "") -> Evidence:
    return Evidence("P1", "xero", remote_id, f"Name {remote_id}", email, "jaccard", score, 0.6,
                    score >= 0.6, False, False, "", False, False,
                    "same email: links" if email else "not enough evidence: not linked", linked)


def test_explain_shows_linked_then_plausible_records_and_counts_the_rest() -> None:
    found = [_evidence("X-far", 0.04), _evidence("X-near", 0.35), _evidence("X-mine", 0.9,
                                                                             linked="email")]
    assert [plausible(e) for e in found] == [False, True, True]
    text = explain_markup(found, "Xero", "linked", "linked by email")
    assert text.startswith("[b]linked[/b]: linked by email")
    assert text.index("X-mine") < text.index("X-near") and "X-far" not in text
    assert "not shown: 1 other Xero record below half the threshold" in text


def test_explain_with_nothing_close_says_what_to_do() -> None:
    text = explain_markup([_evidence("X-far", 0.1)], "Xero")
    assert "No Xero record comes close" in text and "search with /" in text
