"""Deterministic demo data: "Harbour Demo Brokerage", a Sydney real-estate brokerage's QBO company.

Ids are fixed so the demo book can reference them (see ``SEED_IDS``).  Name-list records share
one Id sequence (1-34 here), items have their own (1-7), accounts theirs (33-92).  Generated
benchmark contacts are vendor + ``*`` customer pairs with Ids from 1000 (vendor even, customer
odd).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .store import Generated, Record, Store

REALM_ID = "9130357766284176"
COMPANY_NAME = "Harbour Demo Brokerage"
SEED_TIME = "2024-03-04T09:30:00.000+11:00"
GENERATED_TIME = "2024-02-01T08:00:00.000+11:00"
GENERATED_FIRST_ID = 1000
CURRENCY = {"value": "AUD", "name": "Australian Dollar"}

COMPANY_INFO: Record = {
    "Id": "1",
    "SyncToken": "4",
    "CompanyName": COMPANY_NAME,
    "LegalName": "Harbour Demo Brokerage Inc.",
    "Country": "AU",
    "CompanyAddr": {"Line1": "1 Macquarie Pl", "City": "Sydney",
                    "CountrySubDivisionCode": "NSW", "PostalCode": "2000", "Country": "AUS"},
    "Email": {"Address": "office@harbourdemo.example"},
    "FiscalYearStartMonth": "January",
    "MetaData": {"CreateTime": "2023-01-09T10:00:00+11:00", "LastUpdatedTime": SEED_TIME},
}


def _addr(line1: str, city: str, region: str, postal: str,
          country: str = "Australia") -> dict[str, str]:
    return {"Line1": line1, "City": city, "CountrySubDivisionCode": region, "PostalCode": postal,
            "Country": country}


def _person(given: str, family: str, email: str = "", phone: str = "",
            **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"GivenName": given, "FamilyName": family}
    if email:
        fields["PrimaryEmailAddr"] = {"Address": email}
    if phone:
        fields["PrimaryPhone"] = {"FreeFormNumber": phone}
    return {**fields, **extra}


def _org(company: str, email: str = "", phone: str = "", **extra: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"CompanyName": company}
    if email:
        fields["PrimaryEmailAddr"] = {"Address": email}
    if phone:
        fields["PrimaryPhone"] = {"FreeFormNumber": phone}
    return {**fields, **extra}


_HARBOUR = "accounts@harbourrealty.example"
_HOLLIS = _addr("PO Box 77", "Sydney", "NSW", "2000")
_QUINPOOL = _addr("12 Darling St", "Balmain", "NSW", "2041")
_LIAM = "liam.chen@harbourrealty.example"

# (id, entity, DisplayName, fields).  QBO renames a record made inactive "Name (deleted)" (the
# sandbox does too), like Jordan Lee's old vendor (9).  Greenleaf (13), Ben Okafor (31) and Emma
# Tremblay (34) are inactive under their plain names, as after a user renamed them back: such a
# record still holds its name in the one namespace (Fault 6240 for a new record that wants it).
_NAMES: list[tuple[int, str, str, dict[str, Any]]] = [
    (1, "Vendor", "Harbour Realty Ltd",
     _org("Harbour Realty Ltd", _HARBOUR, "+61 2 9555 0100", BillAddr=_HOLLIS)),
    (2, "Customer", "*Harbour Realty Ltd",
     _org("Harbour Realty Ltd", _HARBOUR, BillAddr=_HOLLIS, Balance=Decimal("1250.00"))),
    (3, "Vendor", "Thomas Baker",
     _person("Thomas", "Baker", "tom@example.com", "+61 2 9555 0142", Balance=Decimal("430.50"))),
    (4, "Customer", "*Thomas Baker", _person("Thomas", "Baker", "tom@example.com")),
    (5, "Vendor", "Priya Natarajan", _person("Priya", "Natarajan", phone="+61 2 9555 0177")),
    (6, "Vendor", "Liam Chen", _person("Liam", "Chen", _LIAM, CompanyName="Harbour Realty Ltd")),
    (7, "Customer", "*Liam Chen", _person("Liam", "Chen", _LIAM, CompanyName="Harbour Realty Ltd")),
    (8, "Vendor", "Jordan Lee", _person("Jordan", "Lee", phone="+61 2 9555 0190")),
    (9, "Vendor", "Jordan Lee (deleted)",
     _person("Jordan", "Lee", "jordan.lee@example.net", Active=False)),
    (10, "Vendor", "Siobhan O'Leary",
     _person("Siobhan", "O'Leary", "siobhan@olearyhomes.example", BillAddr=_QUINPOOL)),
    (11, "Customer", "*Siobhan O'Leary",
     _person("Siobhan", "O'Leary", "siobhan@olearyhomes.example", BillAddr=_QUINPOOL)),
    (12, "Employee", "Marcus Whitfield",
     _person("Marcus", "Whitfield", "marcus@harbourdemo.example",
             PrimaryAddr=_addr("14 Ferry Lane", "Balmain", "NSW", "2041"))),
    (13, "Customer", "*Greenleaf Property Management",
     _org("Greenleaf Property Management", "billing@greenleafpm.example", Active=False)),
    (14, "Vendor", "Brightline Signage Ltd",
     _org("Brightline Signage Ltd", "ar@brightline.example", "+61 2 9555 0123",
          Balance=Decimal("2100.00"),
          BillAddr=_addr("88 Parramatta Rd", "Annandale", "NSW", "2038"))),
    (15, "Vendor", "Maritime Title & Escrow",
     _org("Maritime Title & Escrow Inc.", "closings@maritimetitle.example")),
    (16, "Vendor", "Coastal Home Inspections",
     _org("Coastal Home Inspections", phone="+61 2 9555 0165", Balance=Decimal("375.00"))),
    (17, "Vendor", "Atlantic Photo Studio",
     _org("Atlantic Photo Studio", "book@atlanticphoto.example")),
    (18, "Vendor", "Bluenose Office Supplies",
     _org("Bluenose Office Supplies Ltd", Balance=Decimal("96.40"))),
    (19, "Vendor", "Amelia Fraser",
     _person("Amelia", "Fraser", "amelia.fraser@example.com", "+61 2 9555 0111")),
    (20, "Customer", "*Amelia Fraser",
     _person("Amelia", "Fraser", "amelia.fraser@example.com", Balance=Decimal("450.00"))),
    (21, "Vendor", "Dev Patel", _person("Dev", "Patel", "dev.patel@example.org")),
    (22, "Customer", "*Dev Patel", _person("Dev", "Patel", "dev.patel@example.org")),
    (23, "Vendor", "Chloe Martin", _person("Chloe", "Martin", "chloe.martin@example.com")),
    (24, "Customer", "*Noah Williams", _person("Noah", "Williams", "noah.w@example.net")),
    (25, "Customer", "Oceanview Developments",
     _org("Oceanview Developments Ltd", "ap@oceanview.example", Balance=Decimal("5200.00"),
          BillAddr=_addr("1 Marine Pde", "Manly", "NSW", "2095"),
          ShipAddr=_addr("300 Pittwater Rd", "Manly", "NSW", "2095"))),
    (26, "Customer", "Kensington Estates Inc.", _org("Kensington Estates Inc.")),
    (27, "Vendor", "Fatima Haddad", _person("Fatima", "Haddad", "fatima.haddad@example.com")),
    (28, "Customer", "*Fatima Haddad",
     _person("Fatima", "Haddad", "fatima.haddad@example.com", Balance=Decimal("300.00"))),
    (29, "Vendor", "Ryan O'Connor", _person("Ryan", "O'Connor", "ryan.oconnor@example.com.au")),
    (30, "Employee", "Sarah Mitchell", _person("Sarah", "Mitchell", "sarah@harbourdemo.example")),
    (31, "Employee", "Ben Okafor", _person("Ben", "Okafor", Active=False)),
    (32, "Vendor", "Gabriel Roy", _person("Gabriel", "Roy", "gabriel.roy@example.com.au")),
    (33, "Customer", "*Gabriel Roy", _person("Gabriel", "Roy", "gabriel.roy@example.com.au")),
    (34, "Customer", "*Emma Tremblay", _person("Emma", "Tremblay", Active=False)),
]

_ITEMS: list[tuple[int, str, str, str, str, Decimal, bool]] = [
    (1, "Commission", "COMM", "Service", "Agent commission on a closed deal", Decimal("0"), True),
    (2, "Desk Fee", "DESK", "Service", "Monthly desk fee", Decimal("450.00"), True),
    (3, "Marketing Package", "MKT-PKG", "Service", "Listing photos, signage and ads",
     Decimal("275.00"), True),
    (4, "Transaction Fee", "TXN-FEE", "Service", "Brokerage fee per deal", Decimal("125.00"), True),
    (5, "Referral Fee", "REF-FEE", "Service", "Fee paid to another brokerage", Decimal("0"), True),
    (6, "Sign Installation", "SIGN", "NonInventory", "Post and sign installed", Decimal("85.00"),
     True),
    (7, "Lockbox Rental", "LOCKBOX", "Service", "Retired lockbox rental",
     Decimal("15.00"), False),
]

# (Id, AcctNum, Name, AccountType, AccountSubType, active).  Ids are deliberately unlike the
# account numbers: a document that sends a number where an Id belongs is refused (2500).
_ACCOUNTS: list[tuple[int, str, str, str, str, bool]] = [
    (33, "200", "Sales", "Income", "SalesOfProductIncome", True),
    (79, "260", "Services", "Income", "ServiceFeeIncome", True),
    (41, "310", "Agent Commissions", "Cost of Goods Sold", "CostOfLaborCos", True),
    (58, "400", "Advertising", "Expense", "AdvertisingPromotional", True),
    (59, "429", "General Expenses", "Expense", "OtherMiscellaneousServiceCost", True),
    (60, "453", "Office Expenses", "Expense", "OfficeGeneralAdministrativeExpenses", True),
    (61, "489", "Telephone & Internet", "Expense", "Utilities", True),
    (62, "420", "Entertainment", "Expense", "EntertainmentMeals", False),
    (63, "", "Uncategorised Expense", "Expense", "OtherMiscellaneousServiceCost", True),
    (91, "610", "Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", True),
    (92, "800", "Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", True),
]
ACCOUNT_IDS = {number: str(rid) for rid, number, *_ in _ACCOUNTS if number}
"""Seeded account number -> Account Id (tests and the demo batch)."""

SEED_IDS = {
    "vendor:Harbour Realty Ltd": "1", "customer:Harbour Realty Ltd": "2",
    "vendor:Thomas Baker": "3", "customer:Thomas Baker": "4",
    "vendor:Priya Natarajan": "5",
    "vendor:Liam Chen": "6", "customer:Liam Chen": "7",
    "vendor:Jordan Lee": "8", "vendor:Jordan Lee (deleted)": "9",
    "vendor:Siobhan O'Leary": "10", "customer:Siobhan O'Leary": "11",
    "employee:Marcus Whitfield": "12",
    "customer:Greenleaf Property Management": "13",
    "vendor:Brightline Signage Ltd": "14",
}


def name_record(rid: int, entity: str, display: str, extra: dict[str, Any], when: str) -> Record:
    """Return a Customer, Vendor or Employee record as QBO answers it."""
    record: Record = {"Id": str(rid), "SyncToken": "0", "DisplayName": display, "Active": True}
    if entity != "Employee":
        record.update(Balance=Decimal("0"), CurrencyRef=dict(CURRENCY), PrintOnCheckName=display)
    if entity == "Customer":
        record.update(FullyQualifiedName=display, Job=False, BalanceWithJobs=Decimal("0"))
    record.update(extra)
    if entity == "Customer":
        record["BalanceWithJobs"] = record["Balance"]
    record["MetaData"] = {"CreateTime": when, "LastUpdatedTime": when}
    return record


def item_record(rid: int, name: str, sku: str, kind: str, description: str, price: Decimal,
                active: bool) -> Record:
    """Return an Item record."""
    return {"Id": str(rid), "SyncToken": "0", "Name": name, "Sku": sku,
            "FullyQualifiedName": name, "Type": kind, "Description": description,
            "UnitPrice": price, "Active": active, "Taxable": False,
            "IncomeAccountRef": {"value": "79", "name": "Services"},
            "MetaData": {"CreateTime": SEED_TIME, "LastUpdatedTime": SEED_TIME}}


def account_record(rid: int, number: str, name: str, kind: str, sub_type: str,
                   active: bool) -> Record:
    """Return an Account record (a chart-of-accounts entry)."""
    record: Record = {
        "Id": str(rid), "SyncToken": "0", "Name": name, "FullyQualifiedName": name,
        "AccountType": kind, "AccountSubType": sub_type, "Classification":
            "Revenue" if kind == "Income" else "Liability" if kind == "Accounts Payable"
            else "Asset" if kind == "Accounts Receivable" else "Expense",
        "Active": active, "SubAccount": False, "CurrentBalance": Decimal("0"),
        "CurrencyRef": dict(CURRENCY),
        "MetaData": {"CreateTime": SEED_TIME, "LastUpdatedTime": SEED_TIME},
    }
    if number:
        record["AcctNum"] = number
    return record


def load_seed(store: Store) -> None:
    """Load the demo company's records."""
    for rid, entity, display, extra in _NAMES:
        record = name_record(rid, entity, display, extra, SEED_TIME)
        store.tables[entity].seed(record)
        store.index_name(entity, record)
        store.next_name_id = max(store.next_name_id, rid + 1)
    for rid, name, sku, kind, description, price, active in _ITEMS:
        store.tables["Item"].seed(item_record(rid, name, sku, kind, description, price, active))
        store.item_names[name.casefold()] = str(rid)
        store.next_item_id = max(store.next_item_id, rid + 1)
    for rid, number, name, kind, sub_type, active in sorted(_ACCOUNTS):
        store.tables["Account"].seed(account_record(rid, number, name, kind, sub_type, active))
        store.next_account_id = max(store.next_account_id, rid + 1)
    store.next_txn_id = max(store.next_txn_id, 101)


# Generated benchmark contacts: single-token names none of the seeded people use.
FIRST = ("Avery", "Blake", "Casey", "Dana", "Elliot", "Finley", "Harper", "Hayden", "Jamie",
         "Kai", "Logan", "Morgan", "Parker", "Quinn", "Reese", "Riley", "Rowan", "Sage", "Skyler",
         "Taylor",
         "Alexis", "Bailey", "Cameron", "Drew", "Emerson", "Frankie", "Jessie", "Kendall", "Lane",
         "Micah", "Nico", "Oakley", "Peyton", "Remy", "Sawyer", "Tatum", "Val", "Winter", "Zion",
         "Arden")
LAST = ("Abbott", "Bishop", "Carver", "Dawson", "Ellis", "Fletcher", "Grant", "Hale", "Ingram",
        "Jensen", "Keller", "Lawson", "Mercer", "Nolan", "Osborne", "Pryor", "Quimby", "Ramsey",
        "Sutton", "Thorne", "Underwood", "Vance", "Walsh", "Yates", "Archer", "Bowman", "Crane",
        "Dalton", "Everett", "Foley", "Garrison", "Holt", "Irving", "Jamison", "Kerr", "Lowell",
        "Maddox", "Nash", "Pike", "Rhodes")
_PAIRS = len(FIRST) * len(LAST)


def generated_name(index: int) -> str:
    """Return the profile name of generated pair ``index`` (deterministic, unique)."""
    first = FIRST[index % len(FIRST)]
    last = LAST[(index // len(FIRST)) % len(LAST)]
    round_ = index // _PAIRS
    return f"{first} {last}" + (f" {round_ + 1}" if round_ else "")


def generated_index(name: str) -> int | None:
    """Return the pair index behind a generated profile name, or None."""
    parts = name.split()
    if len(parts) not in (2, 3):
        return None
    firsts = {n.casefold(): i for i, n in enumerate(FIRST)}
    lasts = {n.casefold(): i for i, n in enumerate(LAST)}
    a, b = firsts.get(parts[0].casefold()), lasts.get(parts[1].casefold())
    if a is None or b is None:
        return None
    round_ = 0
    if len(parts) == 3:
        if not parts[2].isdigit() or int(parts[2]) < 2:
            return None
        round_ = int(parts[2]) - 1
    return round_ * _PAIRS + b * len(FIRST) + a


def _generated(entity: str, index: int) -> Record:
    name = generated_name(index)
    first, last = name.split()[:2]
    display = f"*{name}" if entity == "Customer" else name
    rid = GENERATED_FIRST_ID + 2 * index + (1 if entity == "Customer" else 0)
    owed = Decimal(index * 37 % 50000) / 100 if index % 5 == 0 else Decimal("0")
    extra: dict[str, Any] = {
        "GivenName": first, "FamilyName": last,
        "PrimaryEmailAddr": {"Address": f"{name.replace(' ', '.').lower()}@agents.example"},
        "BillAddr": _addr(f"{100 + index % 900} George St", "Sydney", "NSW", "2000"),
        "Balance": owed,
    }
    return name_record(rid, entity, display, extra, GENERATED_TIME)


def load_generated(store: Store, pairs: int, prefix: str = "*") -> None:
    """Add ``pairs`` generated vendor + customer pairs (built on demand)."""
    if pairs <= 0:
        return
    store.tables["Vendor"].generated = Generated(
        pairs, GENERATED_FIRST_ID, 2, lambda i: _generated("Vendor", i), generated_name)
    store.tables["Customer"].generated = Generated(
        pairs, GENERATED_FIRST_ID + 1, 2, lambda i: _generated("Customer", i),
        lambda i: f"{prefix}{generated_name(i)}")
    store.next_name_id = max(store.next_name_id, GENERATED_FIRST_ID + 2 * pairs)

    def holder(key: str) -> tuple[str, str] | None:
        entity = "Vendor"
        name = key
        if key.startswith(prefix):
            entity, name = "Customer", key[len(prefix):]
        index = generated_index(name)
        if index is None or index >= pairs:
            return None
        return entity, str(GENERATED_FIRST_ID + 2 * index + (1 if entity == "Customer" else 0))

    store.generated_names = holder
