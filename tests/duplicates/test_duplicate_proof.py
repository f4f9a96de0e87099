"""Duplicate-proof sync, through the real CLI against an empty Xero sandbox on loopback.

The three reproductions of the duplicate-proof issue: each ends with no new Xero contact and no
new local profile, the profiles held for review with their candidates, and one action resolving
each; a clearly new organization is still created once and a clearly new Xero contact still
imported once.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from connectors.xero.sandbox import XeroSandbox
from connectors.xero.sandbox.seed import Seed, seed_record
from loftterm.book import Book
from tests.cli_support import run_loftterm, xero_config


def add_contact(box: XeroSandbox, name: str, email: str = "", *, customer: bool = False) -> str:
    """Put a contact in Xero as a bookkeeper would have entered it; return its id."""
    contact_id = str(uuid.uuid4())
    box.org.add_contact(
        seed_record(Seed(contact_id, name, email=email, customer=customer, supplier=not customer)),
        1_700_000_000_000,
    )
    return contact_id


class Book_:
    """The CLI user's view: a config folder, an imported book, syncs and reviews."""

    def __init__(self, folder: Path, box: XeroSandbox, people: str) -> None:
        self.folder, self.box = folder, box
        self.config = str(xero_config(folder, box))
        (folder / "people.csv").write_text(people, encoding="utf-8")
        self.ok("import", "people.csv")

    def run(self, *args: str) -> Any:
        return run_loftterm(*args, "--config", self.config, cwd=self.folder)

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        return str(done.stdout)

    def sync(self) -> dict[str, int]:
        counts: dict[str, int] = json.loads(self.ok("--sync", "--json"))["connectors"]["xero"]
        return counts

    def reviews(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = json.loads(self.ok("review", "--json"))
        return found

    def warnings(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = json.loads(self.ok("warnings", "--json"))
        return found

    def book(self) -> Book:
        return Book.open(self.folder / "book.json")

    def contact_names(self) -> list[str]:
        return sorted(str(c["Name"]) for c in self.box.contacts.values())


ORG = "id,kind,name,email\n"


def test_two_equal_candidates_hold_the_create_and_both_imports(
    tmp_path: Path, sandbox: XeroSandbox
) -> None:
    a = add_contact(sandbox, "Summit Realty Group A")
    b = add_contact(sandbox, "Summit Realty Group B")
    user = Book_(tmp_path, sandbox, ORG + "P001,organization,Summit Realty Group,\n")
    for _ in range(2):
        counts = user.sync()
        assert counts["created_remote"] == 0 and counts["created_local"] == 0
        assert counts["held"] == 3  # P001's create, A's import, B's import
    assert user.contact_names() == ["Summit Realty Group A", "Summit Realty Group B"]
    assert sorted(user.book().profiles) == ["P001"]
    [tie] = [w for w in user.warnings() if w["kind"] == "duplicate"]
    assert "the duplicates are in Xero" in tie["message"]
    assert "Summit Realty Group A" in tie["message"] and "Summit Realty Group B" in tie["message"]
    reviews = {r["remote_id"]: r for r in user.reviews()}
    assert set(reviews) == {a, b}
    assert all(r["holds"] == ["create", "import"] for r in reviews.values())
    assert all(r["profile_id"] == "P001" for r in reviews.values())

    user.ok("review", "accept", reviews[a]["id"])  # one action: P001 is A
    assert user.book().link_of("P001", "xero", "contact").remote_id == a  # type: ignore[union-attr]
    counts = user.sync()
    assert counts["created_remote"] == 0 and counts["created_local"] == 0
    # the middle column (the book's name by default) went to A: renamed, not a new contact
    assert user.contact_names() == ["Summit Realty Group", "Summit Realty Group B"]
    assert sorted(sandbox.contacts) == sorted([a, b])
    [left] = user.reviews()  # B may still be a second copy of Summit in Xero: it waits
    assert left["remote_id"] == b and left["holds"] == ["import"]
    assert "P001 is linked to xero" in left["note"]


def test_an_accented_name_is_held_not_created_and_imported(
    tmp_path: Path, sandbox: XeroSandbox
) -> None:
    jose = add_contact(sandbox, "José Álvarez Realty", "")
    user = Book_(tmp_path, sandbox, ORG + "P001,organization,Jose Alvarez Realty,\n")
    counts = user.sync()
    assert counts["created_remote"] == 0 and counts["created_local"] == 0 and counts["held"] == 2
    explained = user.ok("explain", "P001", "--connector", "xero")
    assert "name score (jaccard): 55%" in explained  # the seed's own score, shown as it is
    assert "folded name score: 100%" in explained and "equal name after folding" in explained
    assert user.contact_names() == ["José Álvarez Realty"]
    assert sorted(user.book().profiles) == ["P001"]
    [review] = user.reviews()
    assert review["remote_id"] == jose and review["holds"] == ["create", "import"]
    assert "equal name after folding" in review["evidence"]
    user.ok("review", "accept", review["id"], "--take", "name=right")
    counts = user.sync()
    assert counts["created_remote"] == 0 and counts["created_local"] == 0 and counts["held"] == 0
    assert user.contact_names() == ["José Álvarez Realty"]
    assert user.book().profile("P001").name == "José Álvarez Realty"
    assert user.reviews() == []


def test_two_local_copies_are_named_and_merging_them_resolves_it(
    tmp_path: Path, sandbox: XeroSandbox
) -> None:
    lakeside = add_contact(sandbox, "Lakeside Homes")
    user = Book_(
        tmp_path,
        sandbox,
        ORG + "P001,organization,Lakeside Homes,\nP002,organization,Lakeside Homes,\n",
    )
    counts = user.sync()
    assert counts["created_remote"] == 0 and counts["created_local"] == 0 and counts["failed"] == 0
    assert user.contact_names() == ["Lakeside Homes"]
    ties = [w for w in user.warnings() if w["kind"] == "duplicate"]
    assert ties and all("the duplicate is in the book" in w["message"] for w in ties)
    assert all("P001 Lakeside Homes" in w["message"] and "P002" in w["message"] for w in ties)
    held = {(r["profile_id"], tuple(r["holds"])) for r in user.reviews()}
    assert held == {("P001", ("create", "import")), ("P002", ("create", "import"))}

    user.ok("merge", "P001", "P002")  # one action: the two profiles are one organization
    counts = user.sync()
    assert counts["linked"] == 1 and counts["created_remote"] == 0 and counts["created_local"] == 0
    assert user.book().link_of("P001", "xero", "contact").remote_id == lakeside  # type: ignore[union-attr]
    assert user.contact_names() == ["Lakeside Homes"]
    assert user.reviews() == []


def test_clearly_new_records_are_still_created_and_imported_once(
    tmp_path: Path, sandbox: XeroSandbox
) -> None:
    add_contact(sandbox, "Summit Realty Group A")
    cafe = add_contact(sandbox, "Bluewater Cafe", "hello@bluewater.example", customer=True)
    user = Book_(tmp_path, sandbox, ORG + "P001,organization,Kookaburra Catering,k@kook.example\n")
    counts = user.sync()
    assert counts["created_remote"] == 1 and counts["created_local"] == 2 and counts["held"] == 0
    again = user.sync()
    assert again["created_remote"] == 0 and again["created_local"] == 0
    assert again["updated_remote"] == 0 and again["held"] == 0
    assert user.contact_names() == [
        "Bluewater Cafe", "Kookaburra Catering", "Summit Realty Group A"
    ]
    book = user.book()
    assert len(book.profiles) == 3
    assert book.linked_profile("xero", "contact", cafe)


def test_create_anyway_and_not_the_same_are_remembered(
    tmp_path: Path, sandbox: XeroSandbox
) -> None:
    near = add_contact(sandbox, "Greenway Plumbing & Gas Services")
    user = Book_(tmp_path, sandbox, ORG + "P001,organization,Greenway Plumbing,\n")
    counts = user.sync()
    assert counts["held"] == 2 and counts["created_remote"] == 0
    [review] = user.reviews()
    assert review["remote_id"] == near and review["evidence"] == ["near name"]
    refused = user.run("review", "import", review["id"] + "x")
    assert refused.returncode == 2 and "no review" in refused.stderr
    user.ok("review", "create", review["id"])  # created at once, and remembered
    assert user.contact_names() == ["Greenway Plumbing", "Greenway Plumbing & Gas Services"]
    [review] = user.reviews()  # the Xero record still waits: it may be this profile
    assert review["holds"] == ["import"]
    user.ok("review", "reject", review["id"])  # not the same: imported as its own profile
    counts = user.sync()
    assert counts["created_local"] == 1 and counts["created_remote"] == 0
    for _ in range(2):
        counts = user.sync()
        assert counts["created_local"] == counts["created_remote"] == counts["held"] == 0
    assert user.reviews() == []


def test_two_new_profiles_alike_are_not_both_created(tmp_path: Path, sandbox: XeroSandbox) -> None:
    user = Book_(
        tmp_path,
        sandbox,
        ORG + "P001,organization,Lakeside Homes,\nP002,organization,Lakeside Homes Pty Ltd,\n",
    )
    counts = user.sync()  # an empty Xero: neither has a candidate there, but they are alike
    assert counts["created_remote"] == 0 and counts["held"] == 2
    assert user.contact_names() == []
    twins = [w for w in user.warnings() if w["kind"] == "duplicate"]
    assert {w["profile_id"] for w in twins} == {"P001", "P002"}
    assert all("may be one person" in w["message"] and "--anyway" in w["message"] for w in twins)
    held = user.run("push", "P001", "--connector", "xero")  # a person decides: usage, exit 2
    assert held.returncode == 2 and "--anyway" in held.stderr and "may be one person" in held.stderr
    user.ok("push", "P001", "--connector", "xero", "--anyway")
    assert user.contact_names() == ["Lakeside Homes"]
    counts = user.sync()  # P002 now has a candidate in Xero: held in the review queue
    assert counts["created_remote"] == 0 and counts["held"] == 1
    [review] = user.reviews()
    assert review["profile_id"] == "P002" and review["holds"] == ["create"]
    assert "equal name after folding" in review["evidence"]


def test_bulk_counts_first_then_decides_with_yes(tmp_path: Path, sandbox: XeroSandbox) -> None:
    add_contact(sandbox, "Greenway Plumbing & Gas Services")  # 50% to Greenway Plumbing
    add_contact(sandbox, "Riverbend Studio Collective")  # 54% to Riverbend Studio
    user = Book_(
        tmp_path,
        sandbox,
        ORG + "P001,organization,Greenway Plumbing,\nP002,organization,Riverbend Studio,\n",
    )
    assert user.sync()["held"] == 4  # two creates, two imports
    counted = json.loads(user.ok("review", "bulk", "create", "--below", "0.52", "--json"))
    assert counted["applied"] is False and counted["count"] == 1
    assert [r["profile_id"] for r in counted["reviews"]] == ["P001"]
    assert user.contact_names() == [  # counting wrote nothing
        "Greenway Plumbing & Gas Services", "Riverbend Studio Collective"
    ]
    done = user.ok("review", "bulk", "create", "--below", "0.52", "--yes")
    assert "decided 1: create anyway" in done
    assert "Greenway Plumbing" in user.contact_names()
    assert {r["profile_id"] for r in user.reviews() if "create" in r["holds"]} == {"P002"}
    refused = user.run("review", "bulk", "create")
    assert refused.returncode == 2 and "--below" in refused.stderr


def test_a_routine_sync_rewrites_no_review(tmp_path: Path, sandbox: XeroSandbox) -> None:
    add_contact(sandbox, "Summit Realty Group A")
    add_contact(sandbox, "Summit Realty Group B")
    user = Book_(tmp_path, sandbox, ORG + "P001,organization,Summit Realty Group,\n")
    user.sync()
    before = user.book().proposals
    assert user.sync()["held"] == 3
    assert user.book().proposals == before  # not even their "updated" stamps moved
