"""The sandbox organisation's data: the demo book's counterparts, and generated bulk contacts.

Every id is fixed, so the demo book can link to them.  The story the demo tells:

* exact email match (Thomas Baker / local Tom Baker), near-name match (Priya Natarajan / local
  "Priya Natarjan"), an organisation (Harbour Realty Ltd) whose agent Siobhan has no contact of
  her own, an agent with a link of his own although paid to an organisation (Liam Chen),
* an archived duplicate still holding an email (Jordan Lee (old)), two near-identical active
  names (Daniel Okafor / Daniel Okafor.), a linked contact that is archived (Greenleaf), a
  merged contact (M. Patel Consulting -> Meera Patel Consulting), balances to show.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.xero.sandbox.store import EMPTY_ADDRESSES, EMPTY_PHONES, ZERO_BALANCES, money

DEMO_TENANT_ID = "3c655ef0-d241-48fa-932f-00b81d7ab6f7"
DEMO_TENANT_NAME = "Harbourside Property Group (Demo)"
DEMO_CONNECTION_ID = "e053de3b-640b-4cf4-a516-a810f9c48c75"
CURRENCY = "AUD"

# Ids the demo book links to.
HARBOUR_REALTY_ID = "06bf430b-3413-4467-8672-6c6927ea91a7"
THOMAS_BAKER_ID = "1968250e-ca93-48de-a71e-d4b8f5587c84"
PRIYA_NATARAJAN_ID = "22f1d721-ff84-481c-8a15-38a51db6a1f8"
LIAM_CHEN_ID = "2d1f0654-d8a3-4e68-ac6b-d256ece6dcbf"
JORDAN_LEE_ID = "e6b25f25-d8ae-402e-9260-ab7078787865"
JORDAN_LEE_OLD_ID = "64718058-7b51-43e9-bc5d-182982096223"
DANIEL_OKAFOR_ID = "b037a4fc-dbac-429e-98fd-4ae9e0a4d594"
DANIEL_OKAFOR_DOT_ID = "d3083eae-ec2b-40ae-aeff-d076203e0608"
GREENLEAF_ID = "5b2cd8d4-7d56-4854-9b18-958ffae14744"
WEI_ZHANG_ID = "7af7deaa-c670-4a82-846c-e10b31bc1cd3"
BRIGHTLINE_ID = "c42abe1b-5f99-427b-8be1-1142e09d8c35"
MEERA_PATEL_ID = "a24495a2-d9ec-451e-8161-0c94ce05b421"
M_PATEL_MERGED_ID = "92078ffa-bca0-4d58-a999-9d8269930a13"
RAHMAN_REALTY_ID = "e9e20a7f-2206-48da-8a92-33c85bd32a72"
STALE_ELENA_GARCIA_ID = "5b1e0000-dead-4000-8000-000000000000"  # deliberately absent


@dataclass(frozen=True)
class Seed:
    """One seeded contact in compact form."""

    id: str
    name: str
    first: str = ""
    last: str = ""
    email: str = ""
    status: str = "ACTIVE"
    customer: bool = False
    supplier: bool = False
    ar: str = "0"
    ap: str = "0"
    phone: tuple[str, str, str] = ("", "", "")
    street: tuple[str, str, str, str] = ("", "", "", "")
    pobox: tuple[str, str, str, str] = ("", "", "", "")
    merged_to: str = ""
    updated: str = "2025-03-01T09:00:00"


SEEDS: tuple[Seed, ...] = (
    Seed(HARBOUR_REALTY_ID, "Harbour Realty Ltd", email="accounts@harbourrealty.example",
         customer=True, supplier=True, ar="1250.00", phone=("61", "2", "9555 0142"),
         street=("Level 3, 18 Pier Street", "Sydney", "NSW", "2000"),
         pobox=("PO Box 412", "Sydney", "NSW", "2001"), updated="2025-02-11T23:14:05"),
    # an agent who is also invoiced (customer and supplier); his phone is what SortScape's
    # "Tom B." holds, the duplicate-by-phone story
    Seed(THOMAS_BAKER_ID, "Thomas Baker", "Thomas", "Baker", "tom@example.com", supplier=True,
         customer=True, ap="430.50", phone=("61", "2", "9555 0101"), updated="2025-01-20T04:02:11"),
    Seed(PRIYA_NATARAJAN_ID, "Priya Natarajan", "Priya", "Natarajan",
         updated="2025-01-22T01:40:00"),
    Seed(LIAM_CHEN_ID, "Liam Chen", "Liam", "Chen", "liam.chen@harbourrealty.example",
         supplier=True, updated="2025-02-03T06:30:45"),
    Seed(JORDAN_LEE_ID, "Jordan Lee", "Jordan", "Lee", "jordan.lee@example.net", supplier=True,
         updated="2025-04-02T02:12:09"),
    Seed(JORDAN_LEE_OLD_ID, "Jordan Lee (old)", "Jordan", "Lee", "jordan.lee@example.net",
         status="ARCHIVED", updated="2024-08-19T22:05:31"),
    # two active contacts holding the same email: the "several contacts in the dropdown" story
    Seed(DANIEL_OKAFOR_ID, "Daniel Okafor", "Daniel", "Okafor", "daniel.okafor@example.com",
         updated="2024-11-05T03:15:00"),
    Seed(DANIEL_OKAFOR_DOT_ID, "Daniel Okafor.", "Daniel", "Okafor", "daniel.okafor@example.com",
         updated="2025-01-09T21:48:17"),
    Seed(GREENLEAF_ID, "Greenleaf Property Management", email="ap@greenleafpm.example",
         status="ARCHIVED", customer=True,
         pobox=("PO Box 77", "Parramatta", "NSW", "2124"), updated="2024-12-12T00:00:00"),
    Seed(WEI_ZHANG_ID, "Wei Zhang", "Wei", "Zhang", "wei.zhang@example.org", customer=True,
         ar="89.99", phone=("61", "3", "9555 2871"),
         street=("12 Collins Lane", "Melbourne", "VIC", "3000"), updated="2025-03-14T05:20:00"),
    Seed(BRIGHTLINE_ID, "Brightline Signage Ltd", email="accounts@brightlinesignage.example",
         supplier=True, ap="2100.00", phone=("61", "2", "9555 7730"),
         street=("Unit 4, 9 Foundry Road", "Seven Hills", "NSW", "2147"),
         updated="2025-03-28T07:45:12"),
    Seed(MEERA_PATEL_ID, "Meera Patel Consulting", "Meera", "Patel",
         "meera@patelconsulting.example", supplier=True, updated="2025-02-25T10:10:10"),
    Seed(M_PATEL_MERGED_ID, "M. Patel Consulting", "Meera", "Patel",
         "accounts@patelconsulting.example", status="ARCHIVED", supplier=True,
         merged_to=MEERA_PATEL_ID, updated="2025-02-25T10:10:09"),
    Seed(RAHMAN_REALTY_ID, "Rahman & Co Realty",  # no email: entered by hand in Xero
         customer=True, ar="540.00", pobox=("PO Box 2290", "Brisbane", "QLD", "4001"),
         updated="2025-04-10T00:31:00"),
    # Unmatched customers and suppliers that an import brings in.
    Seed("ef7a5d32-2050-478e-aa4d-8fe4a594a9c6", "Bluewater Cafe",
         email="hello@bluewatercafe.example", customer=True, ar="312.40",
         phone=("61", "2", "9555 3390"), street=("3 Wharf Road", "Balmain", "NSW", "2041"),
         pobox=("PO Box 18", "Balmain", "NSW", "2041"), updated="2025-01-15T02:00:00"),
    Seed("17a11329-f6d4-45c3-acda-d9790dc9a148", "Sparks & Co Electrical",
         email="jobs@sparksco.example", supplier=True, ap="865.00",
         street=("41 Canal Road", "Leichhardt", "NSW", "2040"), updated="2025-02-02T03:03:03"),
    Seed("9ca79b38-fbf1-4af8-9c2b-139f7b71cc34", "Northside Plumbing Pty Ltd",
         email="office@northsideplumbing.example", supplier=True,
         phone=("61", "2", "9555 6120"), updated="2024-10-30T08:00:00"),
    Seed("0f619f6a-ecc6-4f01-a7e4-610ef2e89759", "The Daily Grind Espresso",
         email="owner@dailygrind.example", customer=True, ar="75.00",
         street=("220 King Street", "Newtown", "NSW", "2042"), updated="2025-03-03T03:30:00"),
    Seed("ec018ee2-8476-4079-bfde-801f011b46ff", "Harlow Cleaning Services",
         email="bookings@harlowcleaning.example", supplier=True, ap="260.00",
         updated="2025-01-28T11:11:11"),
    Seed("0fe9308d-eab8-4b82-8c96-adba9582106d", "Marsh & Webb Conveyancing",
         email="settlements@marshwebb.example", supplier=True,
         pobox=("PO Box 950", "North Sydney", "NSW", "2059"), updated="2024-09-17T05:05:05"),
    Seed("4d26a1aa-17f0-4131-873e-12d1171ac2a7", "Sunrise Bakery",
         email="orders@sunrisebakery.example", customer=True,
         street=("7 Station Street", "Manly", "NSW", "2095"), updated="2025-02-14T21:00:00"),
    Seed("659e207f-ec8a-45f5-949e-6b09494d0568", "Oakridge Landscaping",
         email="quotes@oakridgelandscaping.example", supplier=True, ap="1480.00",
         street=("88 Old Northern Road", "Castle Hill", "NSW", "2154"),
         updated="2025-03-19T00:45:00"),
    Seed("ad65b86c-2252-497d-b835-792c284283af", "Pinnacle Strata Management",
         email="levies@pinnaclestrata.example", customer=True, ar="2975.50",
         pobox=("PO Box 5521", "Chatswood", "NSW", "2057"), updated="2025-04-01T04:00:00"),
    Seed("cad5271a-4014-4039-8696-0c78308fd885", "Ava Robinson", "Ava", "Robinson",
         "ava.robinson@example.com", customer=True, phone=("61", "", "0433 555 872"),
         updated="2025-01-06T06:06:06"),
    Seed("c773a471-6a12-4e79-8375-a945d5ef7bbe", "Noah Fitzgerald", "Noah", "Fitzgerald",
         updated="2024-07-22T12:00:00"),
    Seed("4afd593a-20e3-4a61-90fc-b5063e42d9ef", "Lighthouse Photography",
         email="studio@lighthousephoto.example", supplier=True, ap="560.00",
         updated="2025-02-20T02:20:20"),
    Seed("e0ce04d0-c4b3-49e6-aa6e-f54a4f389ca6", "Quayside Locksmiths",
         email="service@quaysidelocks.example", supplier=True,
         phone=("61", "2", "9555 4404"), updated="2024-12-01T01:01:01"),
    Seed("162a27ce-b028-4838-807a-49df1bee166d", "Old Mill Removals",
         email="moves@oldmillremovals.example", status="ARCHIVED", supplier=True,
         updated="2024-05-05T05:05:05"),
    Seed("a6046ba1-83ab-4491-a8e0-b664265b83ca", "Coral Bay Holiday Lets",
         email="stay@coralbaylets.example", customer=True, ar="640.00",
         street=("15 Esplanade", "Coral Bay", "WA", "6701"), updated="2025-03-09T09:09:09"),
    Seed("ed24070f-82d9-4c38-b71e-2228ca55ba24", "Fernhill Pest Control",
         email="admin@fernhillpest.example", supplier=True, updated="2025-01-31T23:59:00"),
)

ITEMS: tuple[dict[str, Any], ...] = (
    {"ItemID": "64dbd39c-dfdb-42f2-b6ae-47384aed1d8a", "Code": "COMM", "Name": "Sales commission",
     "Description": "Agent commission on a settled sale", "SalesDetails": {"UnitPrice": 0.0}},
    {"ItemID": "ce34a8ad-70ef-45a5-a94b-6acf0efcbed6", "Code": "MKTG",
     "Name": "Marketing package", "Description": "Online listing and brochure",
     "SalesDetails": {"UnitPrice": 450.0}},
    {"ItemID": "4c1cf329-1463-4913-971d-ad2e919fe7d1", "Code": "PHOTO",
     "Name": "Property photography", "Description": "Twenty edited photos",
     "SalesDetails": {"UnitPrice": 280.0}},
    {"ItemID": "399667be-eb12-4760-a34c-47eec3779578", "Code": "SIGN",
     "Name": "Signboard install", "Description": "Install and removal of a signboard",
     "SalesDetails": {"UnitPrice": 120.0}},
)


def iso_ms(text: str) -> int:
    """Return epoch milliseconds of a naive UTC ISO time."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def _address(kind: str, parts: tuple[str, str, str, str]) -> dict[str, str]:
    line1, city, region, postal = parts
    return {"AddressType": kind, "AddressLine1": line1, "AddressLine2": "", "AddressLine3": "",
            "AddressLine4": "", "City": city, "Region": region, "PostalCode": postal,
            "Country": "Australia" if any(parts) else "", "AttentionTo": ""}


def _balances(ar: Any, ap: Any) -> dict[str, Any]:
    return {"AccountsReceivable": {"Outstanding": money(ar), "Overdue": 0.0},
            "AccountsPayable": {"Outstanding": money(ap), "Overdue": 0.0}}


def seed_record(seed: Seed) -> dict[str, Any]:
    """Return the wire record of a seeded contact."""
    country, area, number = seed.phone
    phones = [dict(p) for p in EMPTY_PHONES]
    phones[0].update(PhoneNumber=number, PhoneAreaCode=area, PhoneCountryCode=country)
    record: dict[str, Any] = {
        "ContactID": seed.id, "ContactStatus": seed.status, "Name": seed.name,
        "FirstName": seed.first, "LastName": seed.last, "EmailAddress": seed.email,
        "Addresses": [_address("STREET", seed.street), _address("POBOX", seed.pobox)],
        "Phones": phones, "ContactGroups": [], "ContactPersons": [],
        "IsSupplier": seed.supplier, "IsCustomer": seed.customer,
        "DefaultCurrency": CURRENCY, "Balances": _balances(seed.ar, seed.ap),
        "HasAttachments": False, "HasValidationErrors": False,
    }
    if seed.merged_to:
        record["MergedToContactID"] = seed.merged_to
    return record


def seed_contacts() -> Iterator[tuple[dict[str, Any], int]]:
    """Yield every seeded contact with its ``UpdatedDateUTC`` in epoch milliseconds."""
    for seed in SEEDS:
        yield seed_record(seed), iso_ms(seed.updated)


_FIRST = ("Olivia", "Jack", "Charlotte", "William", "Amelia", "Oliver", "Isla", "Henry", "Mia",
          "Lucas", "Grace", "Leo", "Chloe", "Thomas", "Zoe", "James", "Ruby", "Ethan", "Sophie",
          "Mason", "Hannah", "Samuel", "Aisha", "Kenji", "Mei", "Arjun", "Fatima", "Mateo",
          "Ingrid", "Tariq", "Nikhil", "Rosa", "Declan", "Anika", "Hamish", "Lachlan", "Tane",
          "Sione", "Yuki", "Elif")
_LAST = ("Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Johnson",
         "Martin", "White", "Anderson", "Walker", "Thompson", "Harris", "Lee", "Ryan", "Kelly",
         "King", "Campbell", "Clarke", "Singh", "Wang", "Kaur", "Murphy", "O'Brien", "Rossi",
         "Papadopoulos", "Tanaka", "Kowalski", "Haddad", "Ngata", "Fernando", "Schmidt",
         "Dubois", "Mokoena", "Larsen", "Silva", "Novak", "Cohen", "Ahmed")
_TRADE_A = ("Harbour", "Coastal", "Summit", "Greenway", "Ironbark", "Bayside", "Redgum",
            "Silverleaf", "Northern", "Southern", "Eastside", "Westfield", "Bright", "Blue Gum",
            "Kookaburra", "Wattle", "Sandstone", "Riverbend", "Parkview", "Lakeside")
_TRADE_B = ("Plumbing", "Electrical", "Painting", "Roofing", "Cafe", "Bakery", "Cleaning",
            "Landscaping", "Removals", "Locksmiths", "Glazing", "Tiling", "Carpentry",
            "Photography", "Printing", "Pest Control", "Catering", "Strata Services",
            "Conveyancing", "Building Inspections")
_TRADE_C = ("Pty Ltd", "Co", "Group", "Services", "& Sons", "Studio", "Collective", "")


def generated_contacts(
    count: int, seed: int = 20240701, taken: Iterable[str] = ()
) -> Iterator[tuple[dict[str, Any], int]]:
    """Yield ``count`` deterministic contacts (unique names) with their update times in ms.

    ``taken`` are names already in the organisation (compared case-insensitively).

    About 20% customers, 20% suppliers, 5% archived; most have an email, few have a phone.
    Unchanged blocks (empty addresses and phones, zero balances) are shared immutable tuples.
    """
    rng = random.Random(seed)
    used = {name.lower() for name in taken}
    start = iso_ms("2023-01-01T00:00:00")
    span = iso_ms("2025-06-30T00:00:00") - start
    for index in range(count):
        person = rng.random() < 0.6
        if person:
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            name = f"{first} {last}"
            local = f"{first}.{last}".lower().replace("'", "")
        else:
            first = last = ""
            name = " ".join(p for p in (rng.choice(_TRADE_A), rng.choice(_TRADE_B),
                                        rng.choice(_TRADE_C)) if p)
            local = "accounts"
        if name.lower() in used:
            name = f"{name} {index + 1}"
        used.add(name.lower())
        roll = rng.random()
        customer, supplier = roll < 0.2, 0.2 <= roll < 0.4
        amount = round(rng.uniform(10, 5000), 2) if (customer or supplier) and \
            rng.random() < 0.5 else 0.0
        domain = rng.choice(("example.com", "example.net", "example.org"))
        email = f"{local}.{index + 1}@{domain}" if rng.random() < 0.9 else ""
        record: dict[str, Any] = {
            "ContactID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "ContactStatus": "ARCHIVED" if rng.random() < 0.05 else "ACTIVE",
            "Name": name, "FirstName": first, "LastName": last, "EmailAddress": email,
            "Addresses": EMPTY_ADDRESSES, "Phones": EMPTY_PHONES,
            "IsSupplier": supplier, "IsCustomer": customer, "DefaultCurrency": CURRENCY,
            "Balances": _balances(amount if customer else 0, amount if supplier else 0)
            if amount else ZERO_BALANCES,
            "HasValidationErrors": False,
        }
        yield record, start + int(rng.random() * span)
