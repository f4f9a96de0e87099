"""Fixed, realistic data for the FakeConsole: every link state, warnings, runs, a proposal."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from loftterm.engine.decide.explain import Evidence
from loftterm.engine.decide.merge import MergeCandidate, MergeReport
from loftterm.engine.runs.apply import ApplyReport, ItemResult
from loftterm.engine.runs.plan import Plan, PlanConnector
from loftterm.models import Balance, ContactFields, LinkState, Profile, RemoteContact
from loftterm.models import Warning as BookWarning
from loftterm.views import LinkRow, OutcomeRow, Proposal, ProposalField, RunSummary

TITLES = {"xero": "Xero", "qbo": "QuickBooks Online", "sortscape": "SortScape"}
ORGS = {"xero": "Harbour Realty Ltd", "qbo": "Harbour Realty (US)", "sortscape": "Green Thumb Co"}
PHASES = ("pull", "link", "push-new", "push-changes", "archive", "diagnose")


def _profile(pid: str, kind: str, name: str, email: str, payable_to: str = "") -> Profile:
    return Profile(
        id=pid,
        kind=kind,
        fields=ContactFields(name=name, email=email),
        payable_to=payable_to,
        balances={"xero": {"ar": "120.00", "ap": "0.00", "currency": "NZD"}},
    )


def _remote(
    rid: str, name: str, email: str, status: str = "active", role: str = "contact"
) -> RemoteContact:
    return RemoteContact(
        remote_id=rid,
        role=role,
        fields=ContactFields(name=name, email=email),
        status=status,  # type: ignore[arg-type]
        balance=Balance(Decimal("0"), Decimal("0"), "NZD"),
    )


def profiles() -> dict[str, Profile]:
    rows = [
        _profile("P-001", "agent", "Tom Baker", "tom@example.com"),
        _profile("P-002", "agent", "Sarah Lee", "sarah@leerealty.com", payable_to="P-003"),
        _profile("P-003", "organization", "Lee Realty Ltd", "accounts@leerealty.com"),
        _profile("P-004", "contact", "Ann Chu", "ann.chu@example.com"),
        _profile("P-005", "agent", "Bob Stone", "bob@stone.io"),
        _profile("P-006", "agent", "Cara Diaz", "cara@diaz.net"),
        _profile("P-007", "contact", "Dan Ortiz", "dan@ortiz.org"),
        _profile("P-008", "agent", "Eve Park", "eve@park.co"),
        _profile("P-009", "customer", "Fern Gully Gardens", "hello@ferngully.com"),
        _profile("P-010", "customer", "Gail Hart", "gail@hart.com"),
    ]
    return {p.id: p for p in rows}


def mirror() -> dict[str, list[RemoteContact]]:
    return {
        "xero": [
            _remote("X-1", "Tom Baker", "tom@example.com"),
            _remote("X-2", "Sarah Lee", "sarah@leerealty.com"),
            _remote("X-3", "Lee Realty Ltd", "accounts@leerealty.com"),
            _remote("X-5", "Bob Stone", "bob@stone.io"),
            _remote("X-6", "Cara Diaz", "cara@diaz.net"),
            _remote("X-6B", "Cara Diaz", "cara@diaz.net", status="archived"),
            _remote("X-7", "Dan Ortiz", "dan@ortiz.org", status="archived"),
            _remote("X-8", "Eve Park", "eve@park.co"),
            _remote("X-9", "Bobby Stone", ""),
            _remote("X-10", "Gail Hart", "gail@hart.com"),
        ],
        "qbo": [
            _remote("Q-1", "Tom Baker", "tom@example.com", role="vendor"),
            _remote("Q-2", "*Tom Baker", "tom@example.com", role="customer"),
        ],
        "sortscape": [
            _remote("S-9", "Fern Gully Gardens", "hello@ferngully.com"),
            _remote("S-10", "Gail Hart-Jones", "gail@hart.com"),
        ],
    }


def links() -> list[LinkRow]:
    L = LinkState
    return [
        LinkRow(
            "P-001",
            "Tom Baker",
            "agent",
            "xero",
            "contact",
            L.LINKED,
            "X-1",
            "Tom Baker",
            "tom@example.com",
            "active",
            "email",
            1.0,
        ),
        LinkRow(
            "P-001",
            "Tom Baker",
            "agent",
            "qbo",
            "vendor",
            L.LINKED,
            "Q-1",
            "Tom Baker",
            "tom@example.com",
            "active",
            "email",
            1.0,
        ),
        LinkRow(
            "P-001",
            "Tom Baker",
            "agent",
            "qbo",
            "customer",
            L.LINKED,
            "Q-2",
            "*Tom Baker",
            "tom@example.com",
            "active",
            "email",
            1.0,
        ),
        LinkRow(
            "P-002",
            "Sarah Lee",
            "agent",
            "xero",
            "contact",
            L.MISPLACED,
            "X-2",
            "Sarah Lee",
            "sarah@leerealty.com",
            "active",
            "name",
            0.82,
            "Sarah Lee is paid to Lee Realty Ltd: her own Linked contact must be blank.",
        ),
        LinkRow(
            "P-003",
            "Lee Realty Ltd",
            "organization",
            "xero",
            "contact",
            L.LINKED,
            "X-3",
            "Lee Realty Ltd",
            "accounts@leerealty.com",
            "active",
            "email",
            1.0,
        ),
        LinkRow(
            "P-004",
            "Ann Chu",
            "contact",
            "xero",
            "contact",
            L.MISSING,
            "X-4",
            "Ann Chu",
            "",
            "",
            "manual",
            1.0,
            "X-4 is no longer in Xero (deleted or merged).",
        ),
        LinkRow(
            "P-005",
            "Bob Stone",
            "agent",
            "xero",
            "contact",
            L.BLANK,
            explanation="No Xero contact matched by email or name.",
        ),
        LinkRow(
            "P-006",
            "Cara Diaz",
            "agent",
            "xero",
            "contact",
            L.DUPLICATE,
            explanation="Two Xero contacts share cara@diaz.net.",
            candidates=("X-6", "X-6B"),
        ),
        LinkRow(
            "P-007",
            "Dan Ortiz",
            "contact",
            "xero",
            "contact",
            L.ARCHIVED,
            "X-7",
            "Dan Ortiz",
            "dan@ortiz.org",
            "archived",
            "email",
            1.0,
            "The Xero contact is archived.",
        ),
        LinkRow(
            "P-008",
            "Eve Park",
            "agent",
            "xero",
            "contact",
            L.DISABLED,
            "X-8",
            "Eve Park",
            "eve@park.co",
            "active",
            "email",
            1.0,
            "Sync turned off for this profile.",
        ),
        LinkRow(
            "P-009",
            "Fern Gully Gardens",
            "customer",
            "sortscape",
            "contact",
            L.LINKED,
            "S-9",
            "Fern Gully Gardens",
            "hello@ferngully.com",
            "active",
            "imported",
            1.0,
        ),
        LinkRow(
            "P-010",
            "Gail Hart",
            "customer",
            "xero",
            "contact",
            L.LINKED,
            "X-10",
            "Gail Hart",
            "gail@hart.com",
            "active",
            "email",
            1.0,
        ),
        LinkRow(
            "P-010",
            "Gail Hart",
            "customer",
            "sortscape",
            "contact",
            L.BLANK,
            explanation="Waiting for review: link to existing contact?",
        ),
    ]


def warnings() -> list[BookWarning]:
    t = "2025-03-14T09:30:00Z"
    return [
        BookWarning(
            "duplicate",
            "xero",
            "P-006",
            "Cara Diaz: 2 Xero contacts could be this profile (X-6, X-6B)",
            ["X-6", "X-6B"],
            t,
            t,
        ),
        BookWarning(
            "archived-duplicate",
            "xero",
            "P-006",
            "Cara Diaz: archived Xero contact X-6B still holds cara@diaz.net",
            ["X-6B"],
            t,
            t,
        ),
        BookWarning(
            "missing", "xero", "P-004", "Ann Chu: linked Xero contact X-4 is gone", ["X-4"], t, t
        ),
        BookWarning(
            "misplaced",
            "xero",
            "P-002",
            "Sarah Lee is paid to Lee Realty Ltd but holds her own Xero link",
            ["X-2"],
            t,
            t,
        ),
        BookWarning(
            "push-failed",
            "qbo",
            "P-005",
            "Bob Stone: QBO refused the vendor (Duplicate Name Exists Error)",
            [],
            t,
            t,
        ),
    ]


def runs() -> list[RunSummary]:
    outcomes = [
        OutcomeRow("P-001", "Tom Baker", "update", "updated", "X-1"),
        OutcomeRow("P-003", "Lee Realty Ltd", "create", "created", "X-3"),
        OutcomeRow("P-007", "Dan Ortiz", "archive", "deferred", "X-7", "open jobs on 2 properties"),
        OutcomeRow("P-005", "Bob Stone", "create", "failed", "", "Duplicate Name Exists Error"),
    ]
    return [
        RunSummary(
            "R-3",
            "xero",
            "2025-03-14T09:30:00Z",
            "2025-03-14T09:31:12Z",
            True,
            False,
            {"pulled": 412, "created": 1, "updated": 1, "linked": 3},
            9,
            outcomes=outcomes[:2],
        ),
        RunSummary(
            "R-2",
            "qbo",
            "2025-03-14T08:00:00Z",
            "2025-03-14T08:00:40Z",
            False,
            False,
            {"pulled": 120, "failed": 1},
            14,
            error="Duplicate Name Exists Error",
            outcomes=outcomes[3:],
        ),
        RunSummary(
            "R-1",
            "sortscape",
            "2025-03-13T17:00:00Z",
            "2025-03-13T17:00:05Z",
            True,
            False,
            {"pulled": 40, "deferred": 1},
            3,
            outcomes=outcomes[2:3],
        ),
    ]


def proposal() -> Proposal:
    return Proposal(
        "PR-1",
        "sortscape",
        "P-010",
        "S-10",
        "Same email gail@hart.com, names differ",
        # left: the ledger side (Xero contact X-10, as the profile knows it); right: SortScape S-10
        [
            ProposalField("name", "Gail Hart", "Gail Hart", "Gail Hart-Jones"),
            ProposalField("email", "gail@hart.com", "gail@hart.com", "gail@hart.com"),
            ProposalField("phone", "555-0101", "555-0101", ""),
            ProposalField("company", "", "Hart Gardens", "Hart Gardens"),
        ],
    )


def held_proposal() -> Proposal:
    """A create held because Xero may already hold the profile (the duplicate-proof queue)."""
    return Proposal(
        "xero:P-003:X-33",
        "xero",
        "P-003",
        "X-33",
        "equal name after folding",
        [
            ProposalField("name", "Jose Alvarez Realty", "Jose Alvarez Realty",
                          "José Álvarez Realty"),
            ProposalField("email", "", "jose@alvarez.example", "jose@alvarez.example"),
        ],
        role="contact",
        holds=["create"],
        evidence=["equal name after folding"],
        score=1.0,
    )


def plan() -> Plan:
    """A Xero plan touching five profiles: every kind of item the plan screen shows."""
    items: list[dict[str, Any]] = [
        {"id": "0001", "connector": "xero", "action": "link", "profile_id": "P-008",
         "name": "Eve Park", "role": "contact", "remote_id": "X-8", "method": "email",
         "score": 1.0, "version": "2025-03-01T10:00:00"},
        {"id": "0002", "connector": "xero", "action": "link", "profile_id": "P-010",
         "name": "Gail Hart", "role": "contact", "remote_id": "X-10", "method": "name",
         "score": 0.82, "version": "2025-03-02T10:00:00"},
        {"id": "0003", "connector": "xero", "action": "create", "profile_id": "P-005",
         "name": "Bob Stone", "role": "contact", "changed": ["name", "email"]},
        {"id": "0004", "connector": "xero", "action": "update", "profile_id": "P-001",
         "name": "Tom Baker", "role": "contact", "remote_id": "X-1", "changed": ["email"],
         "version": "2025-03-03T10:00:00"},
        {"id": "0005", "connector": "xero", "action": "import", "profile_id": "",
         "name": "Harbour Plumbing", "role": "contact", "remote_id": "X-11"},
    ]
    return Plan(
        "PLAN-1", "2025-03-14T09:30:00Z", "BOOK-1", "book.json",
        {"xero": PlanConnector("xero", "Xero", "T-1", ORGS["xero"],
                               {"pulled": 412}, {"pull": 1, "create": 1, "update": 1, "total": 3})},
        items,
    )


def applied(plan: Plan) -> ApplyReport:
    """Every item applied except Tom's update: Tom changed in Xero since the plan."""
    results = []
    for item in plan.items:
        moved = item["profile_id"] == "P-001"
        results.append(ItemResult(
            item["id"], item["connector"], item["action"], item["profile_id"], item["name"],
            str(item.get("remote_id", "")), "skipped" if moved else "applied",
            "changed in Xero since the plan (2025-03-04T08:00:00)" if moved else ""))
    return ApplyReport(plan.id, results, {"xero": "R-4"})


def evidence(profile: Profile, mirror: list[RemoteContact], linked: dict[str, str]) -> list[Evidence]:
    """Evidence for the mirror records sharing the profile's email or surname.

    ``linked``: remote id -> link method of the profile's links.
    """
    surname = profile.name.split()[-1].lower()
    found = []
    for record in mirror:
        same_email = record.email == profile.email
        if not same_email and surname not in record.name.lower():
            continue
        score = 1.0 if record.name == profile.name else 0.45
        found.append(Evidence(
            profile.id, "xero", record.remote_id, record.name, same_email, "jaccard", score, 0.6,
            score >= 0.6, False, False, "", False, False,
            "same email: links" if same_email else "not enough evidence: not linked",
            linked.get(record.remote_id, ""),
            [] if record.status == "active"
            else [f"the Xero record is {record.status}: never linked automatically"]))
    return found


def merge_candidates(profile_id: str) -> list[MergeCandidate]:
    """Cara Diaz was entered twice (the second copy has no link)."""
    if profile_id != "P-006":
        return []
    return [MergeCandidate("P-011", "Cara Diaz", "contact",
                           ("same email cara@diaz.net", "same name Cara Diaz"))]


def merge_report(survivor: str, other: str, dry_run: bool) -> MergeReport:
    names = {"P-006": "Cara Diaz", "P-011": "Cara Diaz"}
    return MergeReport(survivor, names.get(survivor, survivor), other, names.get(other, other),
                       filled=["phone"], warnings=1, history=2, dry_run=dry_run)
