"""The QBO sandbox's write rules: what a create or update must satisfy, as QuickBooks Online says.

DisplayName unique across Customers, Vendors and Employees (Fault 6240), SyncTokens checked and
bumped (5010), a customer with a balance kept active, an inactive name renamed ``(deleted)``,
every ``*Ref`` of a document pointing at an existing active entity (2500 / 610), expense lines
carrying their account or item (2020), and DocNumbers unique when the company says so (6140).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from loftterm.api import to_decimal

from .seed import name_record
from .store import READ_ONLY_TRANSACTIONS, Record, Store, name_key, now, stamp

NAME_MAX = 100
READ_ONLY = frozenset({"Id", "SyncToken", "MetaData", "Balance", "BalanceWithJobs",
                       "FullyQualifiedName", "sparse", "domain", "status", "TotalAmt"})
TXN_TARGET = {"Bill": ("VendorRef", "Vendor", 1), "VendorCredit": ("VendorRef", "Vendor", -1),
              "Invoice": ("CustomerRef", "Customer", 1),
              "CreditMemo": ("CustomerRef", "Customer", -1)}
REF_ENTITIES = {"AccountRef": "Account", "APAccountRef": "Account", "ARAccountRef": "Account",
                "DepositToAccountRef": "Account", "ItemRef": "Item", "VendorRef": "Vendor",
                "CustomerRef": "Customer", "EmployeeRef": "Employee"}
"""The references a document may carry and the entity each one names by Id."""
REQUIRED_DETAIL_REFS = {"AccountBasedExpenseLineDetail": "AccountRef",
                        "ItemBasedExpenseLineDetail": "ItemRef"}
"""Expense line details and the reference each one must carry."""
DELETED = re.compile(r"\(deleted(?:-\d+)?\)$")
"""The suffix QBO gives the DisplayName of a Customer, Vendor or Employee made inactive."""
INACTIVE_DETAIL = ("Object Not Found : Something you're trying to use has been made inactive. "
                   "Check the fields with accounts, customers, items, vendors or employees.")


class ApiFault(Exception):
    """A fault the sandbox answers (HTTP 400 ValidationFault unless told otherwise)."""

    def __init__(self, code: str, message: str, detail: str = "", *, element: str = "",
                 kind: str = "ValidationFault", status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail or message
        self.element = element
        self.kind = kind
        self.status = status

    def body(self) -> dict[str, Any]:
        """Return the ``Fault`` object."""
        error = {"Message": self.message, "Detail": self.detail, "code": self.code,
                 "element": self.element}
        return {"Error": [error], "type": self.kind}


def bump(record: Record) -> None:
    """Move a record's SyncToken on and stamp its last update (every write does)."""
    record["SyncToken"] = str(int(record.get("SyncToken") or 0) + 1)
    record["MetaData"] = {**record.get("MetaData", {}), "LastUpdatedTime": stamp(now())}


class WriteRules:
    """The sandbox's create and update paths (a mixin of :class:`~.server.QboSandbox`)."""

    store: Store
    unique_doc_numbers: bool
    _stale_pending: int

    def save(self, entity: str, body: Any, *, allow_duplicate: bool = False) -> Record:
        """Create (no Id) or update (Id) one record under QBO's rules; return it."""
        if not isinstance(body, dict):
            raise ApiFault("2010", "Request has invalid or unsupported property",
                           f"the body must be a {entity} object")
        if entity in TXN_TARGET:
            if body.get("Id"):
                raise ApiFault("500", "Unsupported Operation", "the sandbox only creates documents")
            return self._create_document(entity, body, allow_duplicate)
        if entity == "Account" or entity in READ_ONLY_TRANSACTIONS:
            raise ApiFault("500", "Unsupported Operation",
                           f"the sandbox's {entity} records are read-only")
        if entity == "Item":
            return self._save_item(body)
        if body.get("Id"):
            return self._update_name(entity, body)
        return self._create_name(entity, body)

    def _writable(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        fields = {k: v for k, v in body.items() if k not in READ_ONLY}
        if entity == "Vendor":
            fields.pop("ShipAddr", None)
        return fields

    def _check_name(self, display: str, entity: str, rid: str = "") -> None:
        if not display:
            raise ApiFault("6080", "At least one name field required",
                           "Title, GivenName, MiddleName, FamilyName, DisplayName or Suffix "
                           "must be set", element="DisplayName")
        if ":" in display:
            raise ApiFault("2050", "Invalid String", "DisplayName may not contain a colon (:)",
                           element="DisplayName")
        if len(display) > NAME_MAX:
            raise ApiFault("2050", "String length is too long",
                           f"String length is {len(display)}, but the maximum allowed is "
                           f"{NAME_MAX}", element="DisplayName")
        holder = self.store.name_holder(display)
        if holder is not None and holder != (entity, rid):
            raise ApiFault("6240", "Duplicate Name Exists Error",
                           "The name supplied already exists. : Another customer, vendor or "
                           "employee is already using this name. Please use a different name.")

    def _deleted_name(self, display: str, entity: str, rid: str) -> str:
        """Return QBO's name for a record made inactive: ``Name (deleted)``, then ``(deleted-1)``..."""
        for n in range(100):
            candidate = f"{display} (deleted{'' if n == 0 else f'-{n}'})"
            holder = self.store.name_holder(candidate)
            if holder is None or holder == (entity, rid):
                return candidate
        return display

    def _create_name(self, entity: str, body: dict[str, Any]) -> Record:
        fields = self._writable(entity, body)
        display = " ".join(str(fields.get("DisplayName") or "").split())
        if not display:
            parts = [str(fields.get(k) or "") for k in
                     ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")]
            display = " ".join(p for p in parts if p)
        self._check_name(display, entity)
        fields["DisplayName"] = display
        record = name_record(int(self.store.new_id(entity)), entity, display, fields,
                             stamp(now()))
        self.store.tables[entity].put(record)
        self.store.index_name(entity, record)
        return record

    def _update_name(self, entity: str, body: dict[str, Any]) -> Record:
        table = self.store.tables[entity]
        rid = str(body["Id"])
        current = table.get(rid)
        if current is None:
            raise ApiFault("610", "Object Not Found", INACTIVE_DETAIL)
        if self._stale_pending:
            self._stale_pending -= 1
            bump(current)
            table.put(dict(current))
        if body.get("SyncToken") is None:
            raise ApiFault("2020", "Required param missing",
                           "Required parameter SyncToken is missing in the request")
        if str(body["SyncToken"]) != str(current["SyncToken"]):
            raise ApiFault("5010", "Stale Object Error",
                           "Stale Object Error : You and Harbour Demo were working on this at "
                           "the same time. Harbour Demo finished before you did, so your work "
                           "was not saved.")
        fields = self._writable(entity, body)
        if body.get("sparse") in (True, "true"):
            record = {**current, **fields}
        else:
            record = {k: v for k, v in current.items() if k in READ_ONLY or k == "CurrencyRef"}
            record.update(fields)
            record.setdefault("Active", True)
            record.setdefault("DisplayName", current["DisplayName"])
        display = " ".join(str(record.get("DisplayName") or "").split())
        was_active = current.get("Active", True) is not False
        if was_active and record.get("Active") is False and not DELETED.search(display):
            display = self._deleted_name(display, entity, rid)
        record["DisplayName"] = display
        if name_key(display) != name_key(str(current.get("DisplayName") or "")):
            self._check_name(display, entity, rid)
        if was_active and record.get("Active") is False and to_decimal(current.get("Balance")):
            raise ApiFault("6000", "Delete List Has Balance Error",
                           f"The entity you are trying to delete has an open balance. : This "
                           f"{entity.lower()} cannot be deleted because it has a non-zero balance")
        if entity == "Customer":
            record["FullyQualifiedName"] = display
        bump(record)
        table.put(record)
        self.store.index_name(entity, record, str(current.get("DisplayName") or ""))
        return record

    def _save_item(self, body: dict[str, Any]) -> Record:
        table = self.store.tables["Item"]
        fields = self._writable("Item", body)
        name = str(fields.get("Name") or "").strip()
        rid = str(body.get("Id") or "")
        current = table.get(rid) if rid else None
        if rid and current is None:
            raise ApiFault("610", "Object Not Found", INACTIVE_DETAIL)
        if current is not None and str(body.get("SyncToken")) != str(current["SyncToken"]):
            raise ApiFault("5010", "Stale Object Error", "Stale Object Error : the item changed")
        name = name or str((current or {}).get("Name") or "")
        if not name:
            raise ApiFault("2020", "Required param missing", "Required parameter Name is missing")
        owner = self.store.item_names.get(name.casefold())
        if owner is not None and owner != rid:
            raise ApiFault("6240", "Duplicate Name Exists Error",
                           "The name supplied already exists. : Another product or service is "
                           "already using this name. Please use a different name.")
        if current is None:
            rid = self.store.new_id("Item")
            record = {"Id": rid, "SyncToken": "-1", "Active": True, **fields,
                      "MetaData": {"CreateTime": stamp(now())}}
        else:
            record = {**current, **fields}
            self.store.item_names.pop(str(current.get("Name") or "").casefold(), None)
        record["Name"] = record["FullyQualifiedName"] = name
        bump(record)
        table.put(record)
        self.store.item_names[name.casefold()] = rid
        return record

    def _check_refs(self, node: Any, where: str) -> None:
        """Refuse a reference to an entity that does not exist (2500) or is inactive (610)."""
        if isinstance(node, list):
            for index, child in enumerate(node):
                self._check_refs(child, f"{where}[{index}]")
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            target_entity = REF_ENTITIES.get(key)
            if target_entity is None:
                self._check_refs(value, f"{where}.{key}" if where else key)
                continue
            ref_id = str(value.get("value") or "") if isinstance(value, dict) else ""
            found = self.store.tables[target_entity].get(ref_id) if ref_id else None
            if found is None:
                raise ApiFault("2500", "Invalid Reference Id",
                               f"Invalid Reference Id : {target_entity}s element id {ref_id} "
                               "not found", element=f"{where}.{key}" if where else key)
            if found.get("Active") is False:
                raise ApiFault("610", "Object Not Found", INACTIVE_DETAIL, element=key)

    def _check_lines(self, lines: list[Any]) -> None:
        for line in lines:
            if not isinstance(line, dict):
                raise ApiFault("2010", "Request has invalid or unsupported property",
                               "a Line must be an object")
            detail_type = str(line.get("DetailType") or "")
            required = REQUIRED_DETAIL_REFS.get(detail_type)
            detail = line.get(detail_type)
            if required and not (isinstance(detail, dict) and isinstance(detail.get(required),
                                                                          dict)
                                 and detail[required].get("value")):
                raise ApiFault("2020", "Required param missing, need to supply the required "
                               "value for the API",
                               f"Required parameter Line.{detail_type}.{required} is missing "
                               "in the request", element=f"Line.{detail_type}.{required}")

    def _check_doc_number(self, entity: str, body: dict[str, Any]) -> None:
        number = str(body.get("DocNumber") or "")
        if number and any(str(r.get("DocNumber") or "") == number
                          for r in self.store.tables[entity]):
            raise ApiFault("6140", "Duplicate Document Number Error",
                           f"Duplicate Document Number Error : You must specify a different "
                           f"number. This number has already been used. DocNumber={number} is "
                           "assigned to an existing transaction", element="DocNumber")

    def _create_document(self, entity: str, body: dict[str, Any],
                         allow_duplicate: bool = False) -> Record:
        ref_field, target_entity, sign = TXN_TARGET[entity]
        ref = body.get(ref_field)
        ref_id = str(ref.get("value") or "") if isinstance(ref, dict) else ""
        if not ref_id:
            raise ApiFault("2020", "Required param missing",
                           f"Required parameter {ref_field} is missing in the request")
        target_table = self.store.tables[target_entity]
        target = target_table.get(ref_id)
        if target is None:
            raise ApiFault("2500", "Invalid Reference Id",
                           f"Invalid Reference Id : {target_entity}s element id {ref_id} not "
                           "found", element=ref_field)
        if target.get("Active") is False:
            raise ApiFault("610", "Object Not Found", INACTIVE_DETAIL, element=ref_field)
        lines = body.get("Line")
        if not isinstance(lines, list) or not lines:
            raise ApiFault("2020", "Required param missing",
                           "Required parameter Line is missing in the request")
        self._check_lines(lines)
        self._check_refs(body, "")
        if self.unique_doc_numbers and not allow_duplicate:
            self._check_doc_number(entity, body)
        total = sum((to_decimal(line.get("Amount")) for line in lines if isinstance(line, dict)),
                    Decimal("0"))
        rid = self.store.new_id(entity)
        when = stamp(now())
        record = {**self._writable(entity, body), "Id": rid, "SyncToken": "0", "TotalAmt": total,
                  "Balance": total, "CurrencyRef": target.get("CurrencyRef"),
                  "MetaData": {"CreateTime": when, "LastUpdatedTime": when}}
        record.setdefault("TxnDate", when[:10])
        if entity == "Invoice":
            record.setdefault("DocNumber", str(1000 + int(rid)))
        self.store.tables[entity].put(record)
        target["Balance"] = to_decimal(target.get("Balance")) + sign * total
        if target_entity == "Customer":
            target["BalanceWithJobs"] = target["Balance"]
        target_table.put(target)
        return record
