"""Property: over random edit sequences on both sides of a link, no field value is ever lost.

After every sync each field ends where its last writer put it, or, when both sides wrote since
they last agreed, in a ``conflict`` that keeps each side's own last value until a person picks
one (``resolve-conflict``).  Every written value is new, so a change is never a revert.
Runs the real engine against the Xero sandbox (one small organisation per example).
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from connectors.xero.sandbox import XeroSandbox
from loftterm.book.book import now_iso
from loftterm.config import config_from_mapping
from loftterm.console import BookConsole
from loftterm.plugins import make_plugin_manager
from tests.fieldsync.cli_rules import xero_add, xero_phone

FIELDS = ("name", "email", "phone")
WIRE = {"name": "Name", "email": "EmailAddress"}

Step = tuple[str, str, str]  # (who: local | remote | sync | resolve, field, side)

steps = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(("local", "remote")), st.sampled_from(FIELDS), st.just("")),
        st.just(("sync", "", "")),
        st.tuples(st.just("resolve"), st.sampled_from(FIELDS),
                  st.sampled_from(("local", "remote"))),
    ),
    min_size=1,
    max_size=8,
)


@dataclass
class FieldModel:
    """What one field must look like: agreed value, and each side's write since then."""

    agreed: str
    local: str | None = None
    remote: str | None = None
    conflict: bool = False

    def synced(self) -> None:
        """The rule a sync applies."""
        if self.local is not None and self.remote is not None:
            self.conflict = True
        elif self.local is not None or self.remote is not None:
            self.agreed = self.local if self.local is not None else str(self.remote)
            self.local = self.remote = None


@dataclass
class World:
    """The sandbox, the console and the model of the one linked pair."""

    xero: XeroSandbox
    console: BookConsole
    contact_id: str
    model: dict[str, FieldModel] = field(default_factory=dict)
    fresh: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def value(self, name: str) -> str:
        n = next(self.fresh)
        return {"name": f"Person {n}", "email": f"p{n}@example.com", "phone": f"+61 2 {n:04d}"}[name]

    def write_local(self, name: str) -> None:
        value = self.value(name)
        with self.console.writing("edit") as book:
            profile = book.profile("P001")
            profile.fields = dataclasses.replace(profile.fields, **{name: value})
            profile.updated_at = now_iso()
            book.put_profile(profile)
        self.model[name].local = value

    def write_remote(self, name: str) -> None:
        value = self.value(name)
        wire: dict[str, Any] = (
            {"Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": value}]}
            if name == "phone" else {WIRE[name]: value}
        )
        assert not self.xero.edit_contact(self.contact_id, **wire)
        self.model[name].remote = value

    def sync(self) -> None:
        assert self.console.sync("xero").ok
        for each in self.model.values():
            each.synced()

    def resolve(self, name: str, side: str) -> bool:
        each = self.model[name]
        if not each.conflict:
            return False
        self.console.resolve_conflict("P001", "xero", name, side)
        if side == "local":
            each.remote = None
        else:
            each.local = None
        each.conflict = False
        for one in self.model.values():
            one.synced()
        return True

    def check(self) -> None:
        profile = self.console.book().profile("P001")
        there = self.xero.contacts[self.contact_id]
        remote = {"name": there["Name"], "email": there["EmailAddress"], "phone": xero_phone(there)}
        conflicts = {w.message.split(" ", 1)[0] for w in self.console.warnings()
                     if w.kind == "conflict" and w.profile_id == "P001"}
        for name, each in self.model.items():
            local = str(profile.fields.get(name))
            if each.conflict:
                assert (local, remote[name]) == (each.local, each.remote), name
                assert name in conflicts, name
            else:
                assert local == remote[name] == each.agreed, (name, local, remote[name], each)
                assert name not in conflicts, name


@pytest.fixture
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("no-value-lost")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=steps)
@example(plan=[("local", "name", ""), ("local", "email", ""), ("remote", "name", ""),
               ("remote", "email", "")])  # two fields in conflict on one link: two warnings
def test_no_field_value_is_ever_lost(scratch: Path, plan: list[Step]) -> None:
    folder = scratch / f"run{next(_RUNS)}"
    folder.mkdir()
    with XeroSandbox(seed=False) as xero:
        contact_id = xero_add(xero, Name="Ann Start", EmailAddress="ann@start.example")
        pm = make_plugin_manager()
        config = config_from_mapping(
            {"book": str(folder / "book.json"),
             "connectors": {"xero": {"enabled": True, **xero.connector_settings()}}},
            pm, base_dir=folder, source="<test>")
        console = BookConsole(config, pm, sleep=lambda seconds: None)
        with console.writing("seed") as book:
            from loftterm.models import ContactFields, Profile

            book.put_profile(Profile("P001", "agent", ContactFields(
                name="Ann Start", email="ann@start.example"), updated_at=now_iso()))
        assert console.sync("xero").ok
        link = console.book().link_of("P001", "xero", "contact")
        assert link is not None and link.remote_id == contact_id
        world = World(xero, console, contact_id, {
            "name": FieldModel("Ann Start"), "email": FieldModel("ann@start.example"),
            "phone": FieldModel("")})
        for who, name, side in [*plan, ("sync", "", "")]:
            if who == "local":
                world.write_local(name)
            elif who == "remote":
                world.write_remote(name)
            elif who == "sync":
                world.sync()
                world.check()
            elif world.resolve(name, side):
                world.check()


_RUNS = itertools.count(1)
