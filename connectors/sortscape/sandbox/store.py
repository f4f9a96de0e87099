"""The sandbox's data and SortScape's rules: contacts, properties, jobs and materials.

Records are kept in wire shape (see ``API.md``); ``*_view`` methods return deep copies as the
API answers them.  Rule violations raise :class:`ApiFault`, which the server turns into the
documented ``{"error": {...}}`` answer.  The caller (the server) holds a lock around every call.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

CONTACT_FIELDS = ("name", "first_name", "last_name", "email", "phone", "company_name")
ADDRESS_KEYS = ("line1", "line2", "city", "region", "postal_code", "country")
PROPERTY_SOURCES = ("billing", "shipping", "manual")
OPEN_JOB_STATUSES = ("pending", "scheduled")
JOB_STATUSES = ("pending", "scheduled", "completed", "cancelled")
MATERIAL_FIELDS = ("name", "code", "description", "unit_price", "linked_product_id")


class ApiFault(Exception):
    """A request SortScape refuses: HTTP status, error code, message and extra error fields."""

    def __init__(self, status: int, code: str, message: str, field: str = "",
                 **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """Return the documented error body."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        error.update(self.extra)
        return {"error": error}


def iso(moment: datetime) -> str:
    """Return SortScape's timestamp format: ISO-8601 UTC to the second with ``Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, field: str) -> str:
    """Normalise a client-supplied ISO time to SortScape's format, or refuse it (422)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiFault(422, "validation_failed", f"{field} is not an ISO-8601 time", field) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return iso(moment)


def _string(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ApiFault(422, "validation_failed", f"{key} must be a string", key)
    return value.strip()


def _address(data: Any) -> dict[str, str]:
    if not isinstance(data, Mapping):
        raise ApiFault(422, "validation_failed", "address must be an object", "address")
    return {key: _string(data, key) for key in ADDRESS_KEYS}


def _price(value: Any) -> str:
    try:
        price = Decimal(str(value if value is not None else "0"))
    except InvalidOperation as exc:
        raise ApiFault(422, "validation_failed", "unit_price is not a number",
                       "unit_price") from exc
    if not price.is_finite() or price < 0:
        raise ApiFault(422, "validation_failed", "unit_price must be 0 or more", "unit_price")
    return str(price.quantize(Decimal("0.01")))


class Store:
    """One SortScape account's data."""

    def __init__(self, account: Mapping[str, str], now: Callable[[], datetime]) -> None:
        self.account = dict(account)
        self.now = now
        self.contacts: dict[str, dict[str, Any]] = {}
        self.properties: dict[str, dict[str, Any]] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.materials: dict[str, dict[str, Any]] = {}
        self._last = {"C": 1000, "P": 2000, "J": 100, "M": 300}

    def stamp(self) -> str:
        """Return the current time in SortScape's format."""
        return iso(self.now())

    def _new_id(self, prefix: str, wanted: str = "") -> str:
        if wanted:
            number = int(wanted.split("-", 1)[1])
            self._last[prefix] = max(self._last[prefix], number)
            return wanted
        self._last[prefix] += 1
        return f"{prefix}-{self._last[prefix]}"

    def _get(self, table: dict[str, dict[str, Any]], kind: str, record_id: str) -> dict[str, Any]:
        if record_id not in table:
            raise ApiFault(404, "not_found", f"{kind} {record_id} does not exist")
        return table[record_id]

    # -- contacts ------------------------------------------------------------------------

    def contact(self, contact_id: str) -> dict[str, Any]:
        """Return the stored contact record (mutable), or raise 404."""
        return self._get(self.contacts, "contact", contact_id)

    def blockers(self, contact_id: str) -> tuple[list[str], list[str]]:
        """Return the ids of the contact's pending jobs and of jobs with an open issue."""
        jobs = [j for j in self.jobs.values() if j["contact_id"] == contact_id]
        pending = [j["id"] for j in jobs if j["status"] in OPEN_JOB_STATUSES]
        return pending, [j["id"] for j in jobs if j["issue_open"]]

    def contact_view(self, contact_id: str) -> dict[str, Any]:
        """Return a contact as the API shows it: properties and job counters included."""
        view = copy.deepcopy(self.contact(contact_id))
        view["properties"] = [copy.deepcopy(p) for p in self.properties.values()
                              if p["contact_id"] == contact_id]
        pending, issues = self.blockers(contact_id)
        view["counts"] = {"pending_jobs": len(pending), "open_issues": len(issues)}
        return view

    def _contact_values(self, body: Mapping[str, Any], partial: bool) -> dict[str, Any]:
        refused = (("properties", "properties are managed at /contacts/{id}/properties"),
                   ("status", "use POST /contacts/{id}/archive or /restore"))
        for forbidden, why in refused:
            if partial and forbidden in body:
                raise ApiFault(422, "validation_failed", why, forbidden)
        allowed = {*CONTACT_FIELDS, "external_ref"} | (set() if partial else {"properties"})
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise ApiFault(422, "validation_failed", f"unknown field {unknown[0]}", unknown[0])
        values = {k: _string(body, k) for k in (*CONTACT_FIELDS, "external_ref") if k in body}
        if ("name" in values or not partial) and not values.get("name"):
            raise ApiFault(422, "validation_failed", "name is required", "name")
        if values.get("email") and "@" not in values["email"]:
            raise ApiFault(422, "validation_failed", "email is not an email address", "email")
        return values

    def insert_contact(self, values: Mapping[str, Any], *, contact_id: str = "",
                       at: str = "") -> dict[str, Any]:
        """Store a contact with defaults filled in (used by the API and the seed)."""
        stamp = at or self.stamp()
        record: dict[str, Any] = {"id": self._new_id("C", contact_id)}
        for key in CONTACT_FIELDS:
            record[key] = str(values.get(key) or "")
        record.update(status=str(values.get("status") or "active"),
                      external_ref=values.get("external_ref") or None,
                      created_at=stamp, updated_at=stamp, version=int(values.get("version") or 1))
        self.contacts[record["id"]] = record
        return record

    def create_contact(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /contacts``: validate, store the contact and its properties, return the view."""
        values = self._contact_values(body, partial=False)
        properties = body.get("properties") or []
        if not isinstance(properties, list):
            raise ApiFault(422, "validation_failed", "properties must be a list", "properties")
        checked = [self._property_values(p) for p in properties]
        record = self.insert_contact(values)
        for address, source in checked:
            self.insert_property(record["id"], address, source, at=record["created_at"])
        return self.contact_view(record["id"])

    def update_contact(self, contact_id: str, body: Mapping[str, Any],
                       if_match: str = "") -> dict[str, Any]:
        """``PATCH /contacts/{id}``: change fields; 412 when ``If-Match`` is not the version."""
        record = self.contact(contact_id)
        if if_match and if_match.strip('"') != str(record["version"]):
            raise ApiFault(412, "version_conflict",
                           f"contact {contact_id} is at version {record['version']}, "
                           f"not {if_match}", current_version=record["version"])
        values = self._contact_values(body, partial=True)
        self._write_contact(record, values)
        return self.contact_view(contact_id)

    def _write_contact(self, record: dict[str, Any], values: Mapping[str, Any]) -> None:
        normal = {k: (v or None) if k == "external_ref" else v for k, v in values.items()}
        changed = {k: v for k, v in normal.items() if record.get(k) != v}
        if changed:
            record.update(changed)
            record.update(version=record["version"] + 1, updated_at=self.stamp())

    def set_status(self, contact_id: str, status: str) -> dict[str, Any]:
        """Archive (refused with 409 while work is open) or restore a contact and its properties."""
        record = self.contact(contact_id)
        if record["status"] == status:
            return self.contact_view(contact_id)
        if status == "archived":
            pending, issues = self.blockers(contact_id)
            if pending or issues:
                raise ApiFault(409, "archive_blocked",
                               f"contact {contact_id} has {len(pending)} pending job(s) and "
                               f"{len(issues)} open issue(s)",
                               pending_jobs=pending, open_issues=issues)
        stamp = self.stamp()
        record.update(status=status, version=record["version"] + 1, updated_at=stamp)
        for prop in self.properties.values():
            if prop["contact_id"] == contact_id:
                prop.update(status=status, updated_at=stamp)
        return self.contact_view(contact_id)

    def touch(self, contact_id: str) -> None:
        """Move a contact's ``updated_at`` (its properties, jobs or counters changed)."""
        self.contact(contact_id)["updated_at"] = self.stamp()

    # -- properties ----------------------------------------------------------------------

    def _property_values(self, data: Any) -> tuple[dict[str, str], str]:
        if not isinstance(data, Mapping):
            raise ApiFault(422, "validation_failed", "a property must be an object", "properties")
        source = _string(data, "source") or "manual"
        if source not in PROPERTY_SOURCES:
            raise ApiFault(422, "validation_failed", f"unknown property source {source}", "source")
        return _address(data.get("address")), source

    def insert_property(self, contact_id: str, address: Mapping[str, str], source: str, *,
                        property_id: str = "", at: str = "") -> dict[str, Any]:
        """Store a property of a contact."""
        stamp = at or self.stamp()
        record: dict[str, Any] = {"id": self._new_id("P", property_id), "contact_id": contact_id,
                  "address": {k: str(address.get(k) or "") for k in ADDRESS_KEYS},
                  "source": source, "status": self.contact(contact_id)["status"],
                  "created_at": stamp, "updated_at": stamp}
        self.properties[record["id"]] = record
        return record

    def add_property(self, contact_id: str, body: Any) -> dict[str, Any]:
        """``POST /contacts/{id}/properties``."""
        self.contact(contact_id)
        address, source = self._property_values(body)
        record = self.insert_property(contact_id, address, source)
        self.touch(contact_id)
        return copy.deepcopy(record)

    # -- jobs ----------------------------------------------------------------------------

    def insert_job(self, contact_id: str, property_id: str, title: str, status: str = "pending",
                   *, issue_open: bool = False, job_id: str = "", scheduled_for: str = "",
                   at: str = "") -> dict[str, Any]:
        """Store a job at one of the contact's properties."""
        if status not in JOB_STATUSES:
            raise ValueError(f"unknown job status {status}")
        self.contact(contact_id)
        record: dict[str, Any] = {"id": self._new_id("J", job_id), "contact_id": contact_id,
                  "property_id": property_id, "title": title, "status": status,
                  "issue_open": issue_open, "scheduled_for": scheduled_for or None,
                  "updated_at": at or self.stamp()}
        self.jobs[record["id"]] = record
        return record

    def update_job(self, job_id: str, **changes: Any) -> dict[str, Any]:
        """Change a job (status, issue_open...) as a SortScape user would."""
        record = self._get(self.jobs, "job", job_id)
        if "status" in changes and changes["status"] not in JOB_STATUSES:
            raise ValueError(f"unknown job status {changes['status']}")
        record.update(changes, updated_at=self.stamp())
        self.touch(record["contact_id"])
        return copy.deepcopy(record)

    # -- materials -----------------------------------------------------------------------

    def material(self, material_id: str) -> dict[str, Any]:
        """Return the stored material (mutable), or raise 404."""
        return self._get(self.materials, "material", material_id)

    def _same_name(self, name: str, other_than: str = "") -> str:
        wanted = " ".join(name.lower().split())
        for record in self.materials.values():
            if (record["id"] != other_than and record["status"] == "active"
                    and " ".join(record["name"].lower().split()) == wanted):
                return str(record["id"])
        return ""

    def _material_values(self, body: Mapping[str, Any], partial: bool) -> dict[str, Any]:
        unknown = sorted(set(body) - set(MATERIAL_FIELDS))
        if unknown:
            raise ApiFault(422, "validation_failed", f"unknown field {unknown[0]}", unknown[0])
        values: dict[str, Any] = {k: _string(body, k) for k in MATERIAL_FIELDS
                                  if k in body and k != "unit_price"}
        if "unit_price" in body:
            values["unit_price"] = _price(body["unit_price"])
        if ("name" in values or not partial) and not values.get("name"):
            raise ApiFault(422, "validation_failed", "name is required", "name")
        return values

    def insert_material(self, values: Mapping[str, Any], *, material_id: str = "",
                        at: str = "") -> dict[str, Any]:
        """Store a material with defaults filled in (used by the API and the seed)."""
        stamp = at or self.stamp()
        linked = values.get("linked_product_id") or None
        record: dict[str, Any] = {
            "id": self._new_id("M", material_id), "name": str(values.get("name") or ""),
            "code": str(values.get("code") or ""),
            "description": str(values.get("description") or ""),
            "unit_price": _price(values.get("unit_price")), "linked_product_id": linked,
            "read_only": bool(linked), "status": str(values.get("status") or "active"),
            "created_at": stamp, "updated_at": stamp, "version": 1,
        }
        self.materials[record["id"]] = record
        return record

    def create_material(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """``POST /materials``: 409 ``duplicate_name`` when an active one has that name."""
        values = self._material_values(body, partial=False)
        existing = self._same_name(values["name"])
        if existing:
            raise ApiFault(409, "duplicate_name", f"material {existing} already has that name",
                           "name", existing_id=existing)
        return copy.deepcopy(self.insert_material(values))

    def update_material(self, material_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """``PATCH /materials/{id}``: the API may write linked (read-only) materials."""
        record = self.material(material_id)
        values = self._material_values(body, partial=True)
        if values.get("name") and self._same_name(values["name"], other_than=material_id):
            raise ApiFault(409, "duplicate_name", "another material has that name", "name",
                           existing_id=self._same_name(values["name"], other_than=material_id))
        if "linked_product_id" in values:
            values["linked_product_id"] = values["linked_product_id"] or None
        changed = {k: v for k, v in values.items() if record.get(k) != v}
        if changed:
            record.update(changed)
            record.update(read_only=bool(record["linked_product_id"]),
                          version=record["version"] + 1, updated_at=self.stamp())
        return copy.deepcopy(record)
