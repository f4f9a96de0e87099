"""QBO has no MergedToContactID: an inactive linked record whose name an active one took."""

from __future__ import annotations

import pytest

from connectors.qbo.sandbox import QboSandbox
from loftterm.demo import DemoEnvironment
from loftterm.errors import UsageError
from tests.beyond_decisions.conftest import console_for, open_warnings, remote_of


def merge_in_qbo(sandbox: QboSandbox, loser: str, email: str = "") -> str:
    """What a QBO merge leaves: the loser inactive as "Name (deleted)", the survivor active."""
    record = sandbox.record("Vendor", loser)
    assert record is not None
    name = str(record["DisplayName"])
    sandbox.edit("Vendor", loser, Active=False, DisplayName=f"{name} (deleted)")
    body = {"DisplayName": name, **({"PrimaryEmailAddr": {"Address": email}} if email else {})}
    with sandbox.server.lock:
        return str(sandbox.save("Vendor", body)["Id"])


def test_a_merged_qbo_vendor_is_proposed_for_relinking(qbo_demo: DemoEnvironment) -> None:
    sandbox = qbo_demo.sandboxes["qbo"]
    assert isinstance(sandbox, QboSandbox)
    console = console_for(qbo_demo)
    console.sync("qbo")
    old = remote_of(console, "P002", "qbo", "vendor")
    assert old and not open_warnings(console, "merged", "P002")
    survivor = merge_in_qbo(sandbox, old)  # same name, no email
    profiles = len(console.book().profiles)
    assert console.sync("qbo").ok
    [warning] = open_warnings(console, "merged", "P002")
    assert survivor in warning.remote_ids and old in warning.remote_ids
    assert f"Tom Baker ({survivor})" in warning.message
    assert "loftterm relink-merged P002 --connector qbo" in warning.message
    assert not console.book().linked_profile("qbo", "vendor", survivor)  # not imported meanwhile
    assert len(console.book().profiles) == profiles
    assert remote_of(console, "P002", "qbo", "vendor") == old  # never relinked on its own

    [row] = console.relink_merged("P002", "qbo")
    assert (row.role, row.remote_id, row.method) == ("vendor", survivor, "merged")
    assert not open_warnings(console, "merged", "P002")
    assert console.sync("qbo").ok
    assert remote_of(console, "P002", "qbo", "vendor") == survivor
    assert not open_warnings(console, "merged", "P002")
    with pytest.raises(UsageError, match="no qbo link to an inactive record"):
        console.relink_merged("P002", "qbo")


def test_a_survivor_by_email_linked_elsewhere_suggests_merging_profiles(
    qbo_demo: DemoEnvironment,
) -> None:
    sandbox = qbo_demo.sandboxes["qbo"]
    assert isinstance(sandbox, QboSandbox)
    console = console_for(qbo_demo)
    console.sync("qbo")
    old = remote_of(console, "P006", "qbo", "vendor")  # Jordan Lee, by name
    holder = remote_of(console, "P002", "qbo", "vendor")
    sandbox.edit("Vendor", old, Active=False, DisplayName="Jordan Lee (deleted-1)",
                 PrimaryEmailAddr={"Address": "jl@example.org"})
    sandbox.edit("Vendor", holder, PrimaryEmailAddr={"Address": "jl@example.org"})
    assert console.sync("qbo").ok
    [warning] = open_warnings(console, "merged", "P006")
    assert "linked to P002" in warning.message and "loftterm merge P002 P006" in warning.message
    # the user says it is not the same: never proposed again
    console.reject_pair("P006", "qbo", holder)
    assert console.sync("qbo").ok
    assert not open_warnings(console, "merged", "P006")
