"""Demo data: "Green Thumb Gardens", a Sydney garden-maintenance business on SortScape.

Several contacts duplicate customers of the ledger sandbox on purpose, so the engine's duplicate
check has something to find: one by name (``Harbour Realty Ltd``), one by phone (``Tom B.``,
+61 2 9555 0101, the ledger's Thomas Baker), one by email (``W. Zhang``, wei.zhang@example.org).
``Greenleaf Property Management`` (archived in the ledger) has two pending jobs and an open issue,
so archiving it is deferred; ``Parkside Body Corporate`` has only completed jobs.  Ids and
timestamps are fixed so tests can name them.
"""

from __future__ import annotations

import random
from typing import Any

from .store import Store

ACCOUNT = {"id": "ACC-4471", "name": "Green Thumb Gardens", "currency": "AUD",
           "timezone": "Australia/Sydney"}

HARBOUR_REALTY = "C-1001"
TOM_B = "C-1002"
W_ZHANG = "C-1003"
GREENLEAF = "C-1004"
PARKSIDE = "C-1005"
MARGARET_ELLIS = "C-1006"
OLD_MILL = "C-1007"
POTTING_SHED = "C-1008"
LINKED_MATERIAL = "M-305"

TOM_B_PHONE = "+61 2 9555 0101"


def _addr(line1: str, city: str, postal_code: str, region: str = "NSW") -> dict[str, str]:
    return {"line1": line1, "line2": "", "city": city, "region": region,
            "postal_code": postal_code, "country": "Australia"}


# id, name, first, last, email, phone, company, status, updated_at
CONTACTS: list[tuple[str, ...]] = [
    (HARBOUR_REALTY, "Harbour Realty Ltd", "", "", "reception@harbourrealty.example",
     "+61 2 9555 0110", "Harbour Realty Ltd", "active", "2025-03-03T22:15:00Z"),
    (TOM_B, "Tom B.", "Tom", "B.", "", TOM_B_PHONE, "", "active", "2025-03-10T01:40:00Z"),
    (W_ZHANG, "W. Zhang", "W.", "Zhang", "wei.zhang@example.org", "+61 412 555 019", "",
     "active", "2025-03-12T05:05:00Z"),
    (GREENLEAF, "Greenleaf Property Management", "", "", "maintenance@greenleafpm.example",
     "+61 2 9555 0144", "Greenleaf Property Management", "active", "2025-04-01T23:30:00Z"),
    (PARKSIDE, "Parkside Body Corporate", "", "", "committee@parksidebc.example",
     "+61 2 9555 0177", "Parkside Body Corporate", "active", "2025-02-20T03:00:00Z"),
    (MARGARET_ELLIS, "Margaret Ellis", "Margaret", "Ellis", "margaret.ellis@example.net",
     "+61 2 9555 0188", "", "active", "2025-04-02T07:45:00Z"),
    (OLD_MILL, "Old Mill Nursery", "", "", "orders@oldmillnursery.example", "+61 2 9555 0133",
     "Old Mill Nursery Pty Ltd", "archived", "2024-11-28T04:20:00Z"),
    (POTTING_SHED, "The Potting Shed Cafe", "", "", "hello@pottingshedcafe.example",
     "+61 2 9555 0199", "Potting Shed Hospitality Pty Ltd", "active", "2025-03-21T02:10:00Z"),
]

# id, contact, address
PROPERTIES: list[tuple[str, str, dict[str, str]]] = [
    ("P-2001", HARBOUR_REALTY, _addr("17 Bay Road", "Waverton", "2060")),
    ("P-2002", HARBOUR_REALTY, _addr("3/45 Military Road", "Neutral Bay", "2089")),
    ("P-2003", TOM_B, _addr("22 Wattle Crescent", "Ryde", "2112")),
    ("P-2004", W_ZHANG, _addr("5 Jacaranda Avenue", "Epping", "2121")),
    ("P-2005", GREENLEAF, _addr("120 Pacific Highway", "North Sydney", "2060")),
    ("P-2006", GREENLEAF, _addr("9 Ocean Street", "Bondi", "2026")),
    ("P-2007", PARKSIDE, _addr("1-7 Parkside Drive", "Lane Cove", "2066")),
    ("P-2008", MARGARET_ELLIS, _addr("31 Fern Street", "Hornsby", "2077")),
    ("P-2009", OLD_MILL, _addr("2 Mill Lane", "Dural", "2158")),
    ("P-2010", POTTING_SHED, _addr("64 King Street", "Newtown", "2042")),
]

# id, contact, property, title, status, issue_open, scheduled_for
JOBS: list[tuple[str, str, str, str, str, bool, str]] = [
    ("J-101", HARBOUR_REALTY, "P-2001", "Spring lawn renovation", "completed", False, "2025-02-11"),
    ("J-102", HARBOUR_REALTY, "P-2002", "Fortnightly mowing", "scheduled", False, "2025-06-03"),
    ("J-103", TOM_B, "P-2003", "Hedge trimming", "completed", False, "2025-03-07"),
    ("J-104", GREENLEAF, "P-2005", "Quarterly garden maintenance", "pending", False, ""),
    ("J-105", GREENLEAF, "P-2006", "Irrigation repair (sprinkler still leaking)", "completed",
     True, "2025-03-25"),
    ("J-106", W_ZHANG, "P-2004", "Garden bed mulching", "pending", False, ""),
    ("J-107", GREENLEAF, "P-2006", "Tree pruning", "scheduled", False, "2025-06-10"),
    ("J-108", GREENLEAF, "P-2005", "Leaf blowing", "cancelled", False, "2025-01-14"),
    ("J-109", PARKSIDE, "P-2007", "Common area mowing", "completed", False, "2025-01-20"),
    ("J-110", PARKSIDE, "P-2007", "Hedge trimming", "completed", False, "2025-02-17"),
    ("J-111", MARGARET_ELLIS, "P-2008", "Rose pruning", "scheduled", False, "2025-06-20"),
    ("J-112", OLD_MILL, "P-2009", "Greenhouse clean-out", "completed", False, "2024-11-02"),
    ("J-113", POTTING_SHED, "P-2010", "Courtyard planter refresh", "completed", False,
     "2025-03-18"),
]

# id, name, code, description, unit_price, linked_product_id
MATERIALS: list[tuple[str, str, str, str, str, str]] = [
    ("M-301", "Lawn mowing (per hour)", "", "Mowing, edging and clippings removal", "55.00", ""),
    ("M-302", "Hedge trimming", "", "Hedges up to 2 m, clippings removed", "65.00", ""),
    ("M-303", "Green waste removal (per load)", "GW-LOAD", "Trailer load to the tip", "80.00", ""),
    ("M-304", "Mulch (per cubic metre)", "MULCH-M3", "Eucalyptus mulch, delivered", "95.00", ""),
    (LINKED_MATERIAL, "Fertiliser application", "FERT-APP", "Slow-release lawn fertiliser",
     "40.00", "FERT-APP"),
    ("M-306", "Irrigation fittings (assorted)", "IRR-FIT", "Sprinkler heads and joiners", "12.50",
     ""),
]

SEED_TIME = "2025-01-06T00:00:00Z"


def load_demo(store: Store) -> None:
    """Fill the store with the Green Thumb Gardens data."""
    for cid, name, first, last, email, phone, company, status, updated in CONTACTS:
        store.insert_contact({"name": name, "first_name": first, "last_name": last,
                              "email": email, "phone": phone, "company_name": company,
                              "status": status, "version": 3}, contact_id=cid, at=SEED_TIME)
        store.contacts[cid]["updated_at"] = updated
    for pid, cid, address in PROPERTIES:
        store.insert_property(cid, address, "manual", property_id=pid, at=SEED_TIME)
    for jid, cid, pid, title, status, issue, when in JOBS:
        store.insert_job(cid, pid, title, status, issue_open=issue, job_id=jid,
                         scheduled_for=when, at=SEED_TIME)
    for mid, name, code, description, price, linked in MATERIALS:
        store.insert_material({"name": name, "code": code, "description": description,
                               "unit_price": price, "linked_product_id": linked},
                              material_id=mid, at=SEED_TIME)


FIRST = ["Olivia", "Jack", "Charlotte", "Noah", "Amelia", "William", "Isla", "Oliver", "Mia",
         "Leo", "Grace", "Henry", "Ava", "Lucas", "Chloe", "Thomas", "Ruby", "James"]
LAST = ["Smith", "Nguyen", "Williams", "Brown", "Wilson", "Taylor", "Singh", "Martin", "Lee",
        "Anderson", "Patel", "Walker", "Kelly", "Chen", "Murphy", "Robinson"]
STREETS = ["Acacia Street", "Banksia Road", "Grevillea Avenue", "Waratah Parade",
           "Bottlebrush Lane", "Kurrajong Close", "Wattle Way"]
SUBURBS = [("Chatswood", "2067"), ("Parramatta", "2150"), ("Manly", "2095"),
           ("Marrickville", "2204"), ("Castle Hill", "2154"), ("Cronulla", "2230")]


def add_generated(store: Store, count: int, seed: int = 4471) -> None:
    """Add ``count`` generated residential contacts, one property each (for benchmarks)."""
    rng = random.Random(seed)
    for n in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        values: dict[str, Any] = {
            "name": f"{first} {last}", "first_name": first, "last_name": last,
            "email": f"{first}.{last}.{n}@example.com".lower(),
            "phone": f"+61 4{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)}",
        }
        record = store.insert_contact(values, at=SEED_TIME)
        suburb, postcode = rng.choice(SUBURBS)
        street = f"{rng.randint(1, 250)} {rng.choice(STREETS)}"
        store.insert_property(record["id"], _addr(street, suburb, postcode), "manual",
                              at=SEED_TIME)
