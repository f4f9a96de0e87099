"""Fuzzing (hypothesis): whatever a remote answers or a file holds, only loftterm errors escape.

* The connectors' response parsing, through their hooks (client and mapping together): every
  API call answers a random JSON-ish body shaped like the remote's (its field names, envelopes,
  awkward values: NaN, huge numbers, dates out of range, wrong types) with a random status.
  A ``KeyError``/``TypeError``/``AttributeError``/``ValueError``... escaping would be a
  traceback in a cron log instead of a one-line "unexpected answer" naming the endpoint.
* The mapping functions on their own: a record with a valid id never raises, whatever else.
* The config loader with every real key of every connector and values of every type.
* The import parser with real columns and random cells; the book file with random documents.

``LOFTTERM_FUZZ_EXAMPLES=3000 pytest tests/reliability/test_fuzz.py`` runs longer (minutes).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any

import httpx
import pluggy
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.qbo import faults as qbo_faults
from connectors.qbo import mapping as qbo_mapping
from connectors.qbo import plugin as qbo_plugin
from connectors.sortscape import mapping as ss_mapping
from connectors.sortscape import plugin as ss_plugin
from connectors.xero import mapping as xero_mapping
from connectors.xero import plugin as xero_plugin
from loftterm.api import (
    ArchiveRequest,
    ConnectorContext,
    ContactFields,
    DocumentLine,
    DocumentRequest,
    PullRequest,
    PushRequest,
    RemoteItem,
)
from loftterm.book import Book
from loftterm.config import config_from_mapping, connector_settings, load_config
from loftterm.errors import BookCorruptError, ConfigError, ImportFileError, LofttermError
from loftterm.http.tokens import MemoryTokens
from loftterm.http.transport import CallStats, RetryTransport, default_classifier
from loftterm.importer import COLUMNS, parse_profiles
from loftterm.plugins import make_plugin_manager

# LOFTTERM_FUZZ_EXAMPLES=3000 for a long run (the default keeps the suite quick)
FUZZ = settings(max_examples=int(os.environ.get("LOFTTERM_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

AWKWARD = [
    "", " ", "NaN", "-Infinity", "1e999999", "-0", "1" * 40, "0.005", "abc", "null", "true",
    "/Date(99999999999999999999)/", "/Date(-99999999999999+0000)/", "/Date(1503348544227+1200)/",
    "2025-13-45T99:99:99", "0001-01-01T00:00:00", "9999-12-31T23:59:59.999+14:00",
    "2024-03-04T09:30:00.000+11:00", "2025-01-01T00:00:00Z", "loftterm:P001", "ACTIVE",
    "ARCHIVED", "archived", "active", "Deleted", "DEFAULT", "POBOX", "STREET", "MOBILE", "ERROR",
    "OK", "3001", "5010", "6240", "version_conflict", "archive_blocked", "duplicate_name", "1",
    "0", "-1", "\x00", "é", "💥", "<x/>", "a:b",
]
NUMBERS = [float("inf"), float("-inf"), float("nan"), 1e308, -0.0, 10**30, 2**63, "Infinity",
           "sNaN", "1E+999", "-1e-999", "12.345", "0x10", "1_000"]
LEAF = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=10),
    st.sampled_from(AWKWARD), st.sampled_from(NUMBERS),
)


def json_like(keys: list[str]) -> st.SearchStrategy[Any]:
    """Nested JSON values whose mapping keys are mostly the remote's own field names."""
    key = st.one_of(st.sampled_from(keys), st.text(max_size=4))
    return st.recursive(
        LEAF,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(key, inner, max_size=5),
        max_leaves=8,
    )


def record(keys: list[str], id_key: str) -> st.SearchStrategy[dict[str, Any]]:
    """A record-like mapping: its id usually a plain string, every other field random."""
    ident = st.one_of(st.text(min_size=1, max_size=8), LEAF)
    return st.builds(lambda fields, rid: {**fields, id_key: rid},
                     st.dictionaries(st.sampled_from(keys), json_like(keys), max_size=8), ident)


Spec = dict[str, Any]


def shaped(spec: Any) -> st.SearchStrategy[Any]:
    """Values shaped like ``spec`` (None: any leaf; a dict: some of its keys; ``[spec]``: a
    list of such), each level sometimes replaced by any leaf: reaches nested fields that random
    keys rarely build (``Balances.AccountsReceivable.Outstanding``)."""
    if spec is None:
        return LEAF
    if isinstance(spec, list):
        return st.one_of(st.lists(shaped(spec[0]), max_size=3), LEAF)
    return st.one_of(shaped_dict(spec), shaped_dict(spec), LEAF)


_ABSENT = object()


def shaped_dict(spec: Spec) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping holding each of ``spec``'s keys half the time, each value :func:`shaped`."""
    each = {k: st.one_of(st.just(_ABSENT), shaped(v)) for k, v in spec.items()}
    return st.fixed_dictionaries(each).map(
        lambda found: {k: v for k, v in found.items() if v is not _ABSENT})


def answers(envelopes: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[int, bytes]]:
    """A status and a body: mostly a shaped envelope, sometimes anything, sometimes not JSON."""
    body = st.one_of(
        envelopes.map(lambda v: json.dumps(v).encode()),
        json_like(["error", "Fault"]).map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=40),
    )
    status = st.sampled_from([200, 200, 200, 200, 201, 400, 401, 404, 409, 412, 422, 429, 500])
    return st.tuples(status, body)


XERO_KEYS = [
    "ContactID", "Name", "FirstName", "LastName", "EmailAddress", "ContactNumber",
    "ContactStatus", "IsCustomer", "IsSupplier", "Balances", "AccountsReceivable",
    "AccountsPayable", "Outstanding", "Overdue", "Addresses", "AddressType", "AddressLine1",
    "City", "Region", "PostalCode", "Country", "Phones", "PhoneType", "PhoneNumber",
    "PhoneAreaCode", "PhoneCountryCode", "UpdatedDateUTC", "MergedToContactID",
    "DefaultCurrency", "ValidationErrors", "Message", "StatusAttributeString",
    "HasValidationErrors", "ItemID", "Code", "SalesDetails", "UnitPrice", "Description",
    "InvoiceID", "InvoiceNumber", "Reference", "Type", "CreditNoteID", "CreditNoteNumber",
    "tenantId", "tenantName", "tenantType",
]
XERO_ADDRESS = dict.fromkeys(["AddressType", "AddressLine1", "AddressLine2", "City", "Region",
                              "PostalCode", "Country"])
XERO_CONTACT: Spec = {
    **dict.fromkeys(["ContactID", "Name", "FirstName", "LastName", "EmailAddress", "ContactNumber",
                     "ContactStatus", "IsCustomer", "IsSupplier", "UpdatedDateUTC",
                     "MergedToContactID", "DefaultCurrency", "StatusAttributeString"]),
    "Balances": {"AccountsReceivable": {"Outstanding": None, "Overdue": None},
                 "AccountsPayable": {"Outstanding": None, "Overdue": None}},
    "Addresses": [XERO_ADDRESS],
    "Phones": [dict.fromkeys(["PhoneType", "PhoneNumber", "PhoneAreaCode", "PhoneCountryCode"])],
    "ValidationErrors": [{"Message": None}],
}
XERO_ITEM: Spec = {**dict.fromkeys(["ItemID", "Code", "Name", "Description", "UpdatedDateUTC"]),
                   "SalesDetails": {"UnitPrice": None}}
XERO_RECORD = st.one_of(record(XERO_KEYS, "ContactID"), shaped_dict(XERO_CONTACT))
XERO_ENVELOPE = st.one_of(
    st.fixed_dictionaries({"Contacts": st.lists(XERO_RECORD, max_size=4)}, optional={
        "pagination": st.dictionaries(st.sampled_from(["page", "pageSize", "pageCount",
                                                      "itemCount"]), LEAF),
        "DateTimeUTC": LEAF, "Status": LEAF}),
    st.fixed_dictionaries({"Items": st.lists(shaped_dict(XERO_ITEM), max_size=3)}),
    st.fixed_dictionaries({"Invoices": st.lists(record(XERO_KEYS, "InvoiceID"), max_size=3)}),
    st.fixed_dictionaries({"Elements": st.lists(XERO_RECORD, max_size=3), "Message": LEAF}),
    st.lists(record(XERO_KEYS, "tenantId"), max_size=3),
)

QBO_KEYS = [
    "Id", "SyncToken", "DisplayName", "GivenName", "FamilyName", "CompanyName",
    "PrimaryEmailAddr", "Address", "PrimaryPhone", "FreeFormNumber", "BillAddr", "ShipAddr",
    "PrimaryAddr", "Line1", "City", "CountrySubDivisionCode", "PostalCode", "Country", "Balance",
    "CurrencyRef", "value", "Active", "MetaData", "LastUpdatedTime", "CreateTime", "Notes",
    "AcctNum", "status", "Sku", "UnitPrice", "Name", "Description", "TotalAmt", "DocNumber",
]
QBO_ADDRESS = dict.fromkeys(["Line1", "Line2", "City", "CountrySubDivisionCode", "PostalCode",
                             "Country"])
QBO_NAME: Spec = {
    **dict.fromkeys(["Id", "SyncToken", "DisplayName", "GivenName", "FamilyName", "CompanyName",
                     "Balance", "Active", "Notes", "AcctNum", "status", "Sku", "UnitPrice",
                     "Name", "Description", "TotalAmt"]),
    "PrimaryEmailAddr": {"Address": None}, "PrimaryPhone": {"FreeFormNumber": None},
    "BillAddr": QBO_ADDRESS, "ShipAddr": QBO_ADDRESS, "PrimaryAddr": QBO_ADDRESS,
    "CurrencyRef": {"value": None}, "MetaData": {"LastUpdatedTime": None, "CreateTime": None},
}
QBO_RECORD = st.one_of(record(QBO_KEYS, "Id"), shaped_dict(QBO_NAME))
QBO_QUERY = st.fixed_dictionaries({}, optional={
    "Customer": st.lists(QBO_RECORD, max_size=3), "Vendor": st.lists(QBO_RECORD, max_size=3),
    "Employee": st.lists(QBO_RECORD, max_size=2), "Item": st.lists(QBO_RECORD, max_size=2),
    "Bill": st.lists(QBO_RECORD, max_size=2), "Invoice": st.lists(QBO_RECORD, max_size=2),
    "totalCount": LEAF, "startPosition": LEAF, "maxResults": LEAF})
QBO_FAULT = st.fixed_dictionaries({"Error": st.one_of(
    st.lists(st.dictionaries(st.sampled_from(["Message", "Detail", "code", "element"]), LEAF),
             max_size=2), LEAF), "type": LEAF})
QBO_ENVELOPE = st.one_of(
    st.fixed_dictionaries({"QueryResponse": QBO_QUERY}, optional={"time": LEAF}),
    st.fixed_dictionaries({"CDCResponse": st.lists(st.fixed_dictionaries(
        {"QueryResponse": st.lists(QBO_QUERY, max_size=3)}), max_size=2)},
        optional={"time": LEAF}),
    st.fixed_dictionaries({"BatchItemResponse": st.lists(st.fixed_dictionaries(
        {"bId": st.sampled_from(["b0", "b1", "b2", "q0", "q1", "q2"])}, optional={
            "Vendor": QBO_RECORD, "Customer": QBO_RECORD, "Fault": QBO_FAULT,
            "QueryResponse": QBO_QUERY}), max_size=4)}),
    st.fixed_dictionaries({}, optional={"Vendor": QBO_RECORD, "Customer": QBO_RECORD,
                                        "CompanyInfo": QBO_RECORD, "Fault": QBO_FAULT,
                                        "Bill": QBO_RECORD, "Invoice": QBO_RECORD}),
)

SS_KEYS = [
    "id", "name", "first_name", "last_name", "email", "phone", "company_name", "status",
    "external_ref", "updated_at", "version", "properties", "address", "line1", "line2", "city",
    "region", "postal_code", "country", "source", "counts", "pending_jobs", "open_issues",
    "code", "unit_price", "description", "linked_product_id", "read_only", "contact_id",
    "issue_open",
]
SS_CONTACT: Spec = {
    **dict.fromkeys(["id", "name", "first_name", "last_name", "email", "phone", "company_name",
                     "status", "external_ref", "updated_at", "version", "code", "unit_price",
                     "description"]),
    "counts": {"pending_jobs": None, "open_issues": None},
    "properties": [{**dict.fromkeys(["id", "source", "status"]),
                    "address": dict.fromkeys(["line1", "line2", "city", "region", "postal_code",
                                              "country"])}],
}
SS_RECORD = st.one_of(record(SS_KEYS, "id"), shaped_dict(SS_CONTACT))
SS_ERROR = st.dictionaries(st.sampled_from(["code", "message", "field", "current_version",
                                            "existing_id", "pending_jobs", "open_issues"]), LEAF)
SS_ENVELOPE = st.one_of(
    st.fixed_dictionaries({"data": st.lists(SS_RECORD, max_size=4),
                           "meta": st.dictionaries(st.sampled_from(
                               ["page", "per_page", "total", "next_page", "server_time"]),
                               LEAF)}),
    SS_RECORD,
    st.fixed_dictionaries({"error": st.one_of(SS_ERROR, LEAF)}),
)

XERO_SETTINGS = {"api_url": "http://xero.test/api.xro/2.0", "token_url": "http://xero.test/t",
                 "connections_url": "http://xero.test/connections", "client_id": "c",
                 "client_secret": "s", "tenant_id": "t-1", "page_size": 2, "batch_size": 2}
QBO_SETTINGS = {"api_url": "http://qbo.test", "token_url": "http://qbo.test/t",
                "client_id": "c", "client_secret": "s", "realm_id": "42", "page_size": 2,
                "batch_size": 2, "retry_after_cap": 0.0}
SS_SETTINGS = {"api_url": "http://ss.test/api/v1", "api_key": "k", "page_size": 2}


def fuzzed_context(name: str, config: dict[str, Any], data: st.DataObject,
                   shape: st.SearchStrategy[tuple[int, bytes]]) -> ConnectorContext:
    """A context whose every API call answers what hypothesis draws (tokens are live)."""
    calls = [0]

    def answer(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        if calls[0] > 8:  # a connector looping on fuzzed cursors is stopped by an empty answer
            return httpx.Response(200, content=b"{}")
        status, body = data.draw(shape)
        return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})

    def factory(**kwargs: Any) -> httpx.Client:
        transport = RetryTransport(
            httpx.MockTransport(answer), kwargs.get("policy"),
            classify_429=kwargs.get("classify_429", default_classifier), stats=CallStats(),
            sleep=lambda seconds: None, label=name)
        return httpx.Client(base_url=kwargs["base_url"], auth=kwargs.get("auth"),
                            transport=transport, headers=kwargs.get("headers"))

    tokens = MemoryTokens({"access_token": "at", "expires_at": 4.0e9, "refresh_token": "rt",
                           "tenant_id": "42"})
    return ConnectorContext(name=name, settings=config, tokens=tokens, http_factory=factory)


FIELDS = ContactFields(name="Ann Lee", first_name="Ann", last_name="Lee", email="ann@x.example",
                       phone="+61 2 9555 0101")
PUSHES = [
    PushRequest("create", "P1", "contact", FIELDS, idempotency_key="k1"),
    PushRequest("update", "P2", "contact", FIELDS, frozenset({"email"}), "R2", "3", "k2"),
]
DOCUMENT = DocumentRequest("bill", "R1", "vendor", "ref-1", "2025-01-31",
                           (DocumentLine("Commission", Decimal("10.50")),), "AUD", "k-doc")
ITEM = RemoteItem("", "C-1", "Mulch", "Bag of mulch", Decimal("9.95"))


def exercise(plugin: Any, ctx: ConnectorContext, roles: tuple[str, ...]) -> Iterator[Callable[[], Any]]:
    """Every hook that reads an answer, as calls to make one by one."""
    yield lambda: list(islice(plugin.loftterm_connector_pull(ctx, PullRequest()), 4))
    yield lambda: list(islice(plugin.loftterm_connector_pull(
        ctx, PullRequest("2099-01-01T00:00:00Z")), 2))
    yield lambda: list(islice(plugin.loftterm_connector_pull(
        ctx, PullRequest("", {"page": 2, "entity": "Vendor", "start": 3})), 2))
    pushes = [PushRequest(r.action, r.profile_id, role, r.contact, r.changed, r.remote_id,
                          r.version, r.idempotency_key) for r in PUSHES for role in roles]
    yield lambda: plugin.loftterm_connector_push(ctx, pushes)
    yield lambda: plugin.loftterm_connector_archive(
        ctx, [ArchiveRequest("P3", roles[0], "R3", "fuzz")])
    yield lambda: plugin.loftterm_connector_pull_items(ctx)
    yield lambda: plugin.loftterm_connector_tenants(ctx)
    if hasattr(plugin, "loftterm_connector_push_items"):
        yield lambda: plugin.loftterm_connector_push_items(ctx, [ITEM])
    if hasattr(plugin, "loftterm_connector_post_documents"):
        yield lambda: plugin.loftterm_connector_post_documents(ctx, [DOCUMENT])


def only_loftterm_errors(plugin: Any, ctx: ConnectorContext, roles: tuple[str, ...],
                         data: st.DataObject) -> None:
    """Call one hook (drawn) against the fuzzed remote: a LofttermError is fine, nothing else."""
    calls = list(exercise(plugin, ctx, roles))
    call = calls[data.draw(st.integers(0, len(calls) - 1), label="hook")]
    try:
        call()
    except LofttermError as exc:
        assert str(exc).strip() and "\n" not in str(exc)


@FUZZ
@given(data=st.data())
def test_fuzz_xero_answers(data: st.DataObject) -> None:
    ctx = fuzzed_context("xero", XERO_SETTINGS, data, answers(XERO_ENVELOPE))
    only_loftterm_errors(xero_plugin, ctx, ("contact",), data)


@FUZZ
@given(data=st.data())
def test_fuzz_qbo_answers(data: st.DataObject) -> None:
    ctx = fuzzed_context("qbo", QBO_SETTINGS, data, answers(QBO_ENVELOPE))
    only_loftterm_errors(qbo_plugin, ctx, ("vendor", "customer"), data)


@FUZZ
@given(data=st.data())
def test_fuzz_sortscape_answers(data: st.DataObject) -> None:
    ctx = fuzzed_context("sortscape", SS_SETTINGS, data, answers(SS_ENVELOPE))
    only_loftterm_errors(ss_plugin, ctx, ("contact",), data)


@FUZZ
@given(xero=XERO_RECORD, qbo=QBO_RECORD, ss=SS_RECORD,
       rid=st.text(min_size=1, max_size=8).filter(str.strip))
def test_fuzz_mapping_of_a_record_with_an_id_never_raises(
    xero: dict[str, Any], qbo: dict[str, Any], ss: dict[str, Any], rid: str,
) -> None:
    xero["ContactID"], qbo["Id"], ss["id"] = rid, rid, rid
    assert xero_mapping.contact_from_wire(xero).remote_id == rid.strip()
    xero_mapping.item_from_wire(xero)
    xero_mapping.element_failed(xero)
    xero_mapping.xero_date_to_iso(xero.get("UpdatedDateUTC"))
    for entity in ("Customer", "Vendor", "Employee"):
        qbo_mapping.contact_from_qbo(entity, qbo, "*")
    qbo_mapping.item_from_qbo(qbo)
    qbo_faults.fault_from_json({"Fault": qbo})
    assert ss_mapping.contact_from_wire(ss).remote_id == rid.strip()
    ss_mapping.material_from_wire(ss)


# ------------------------------------------------------------------------------ config


@pytest.fixture(scope="module")
def pm() -> pluggy.PluginManager:
    return make_plugin_manager()


def config_values(pm: pluggy.PluginManager) -> st.SearchStrategy[dict[str, Any]]:
    """Config mappings with every real key of every connector and values of any type."""
    value = st.one_of(LEAF, st.sampled_from(["${UNSET_FUZZ}", "${HOME:-x}", "$${x}", "${"]),
                      st.lists(LEAF, max_size=2), st.dictionaries(st.text(max_size=3), LEAF,
                                                                  max_size=2))
    sections = {}
    for name in ("xero", "qbo", "sortscape"):
        keys = [s.key.split(".")[-1] for s in connector_settings(pm, name)] + ["match", "bogus"]
        sections[name] = st.dictionaries(st.sampled_from(keys), value, max_size=8)
    return st.fixed_dictionaries({}, optional={
        "book": value, "tokens": value, "sync": st.dictionaries(
            st.sampled_from(["every_minutes", "x"]), value, max_size=2),
        "keymap": st.dictionaries(st.text(max_size=5), value, max_size=2),
        "connectors": st.fixed_dictionaries({}, optional=sections)})


@FUZZ
@given(data=st.data())
def test_fuzz_config_with_real_keys_only_config_errors_escape(
    pm: pluggy.PluginManager, tmp_path: Path, data: st.DataObject,
) -> None:
    config = data.draw(config_values(pm))
    try:
        config_from_mapping(config, pm, base_dir=tmp_path, env={"HOME": "/h"})
    except ConfigError as exc:
        assert "\n" not in str(exc)
    path = tmp_path / "fuzz.yaml"
    try:
        text = yaml.safe_dump(config, allow_unicode=True)
    except yaml.YAMLError:
        return
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config(path, pm, env={"HOME": "/h"})
    except ConfigError as exc:
        assert "\n" not in str(exc)


# ------------------------------------------------------------------------------ import

CELL = st.one_of(st.text(max_size=12), st.sampled_from(
    ["agent", "organization", "contact", "customer", "supplier", "P1", "N1", "=CMD()", '"', ",",
     "\n", "\r\n", "\x00", "a@b.example", "é", " "]))


@FUZZ
@given(columns=st.lists(st.sampled_from([*COLUMNS, "extra", ""]), min_size=1, max_size=8),
       rows=st.lists(st.lists(CELL, max_size=9), max_size=5), as_yaml=st.booleans())
def test_fuzz_import_rows_only_import_errors_escape(
    tmp_path: Path, columns: list[str], rows: list[list[str]], as_yaml: bool,
) -> None:
    if as_yaml:
        path = tmp_path / "fuzz.yaml"
        records = [dict(zip(columns, row, strict=False)) for row in rows]
        path.write_text(yaml.safe_dump(records, allow_unicode=True), encoding="utf-8",
                        errors="surrogatepass")
    else:
        path = tmp_path / "fuzz.csv"
        lines = [",".join(columns)] + [",".join(json.dumps(c) for c in row) for row in rows]
        path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    try:
        profiles = parse_profiles(path, existing_ids={"P1"})
    except ImportFileError as exc:
        assert str(exc).strip()
    else:
        assert all(p.id and p.name for p in profiles)


# -------------------------------------------------------------------------------- book

BOOK_KEYS = ["id", "kind", "fields", "name", "email", "profile_id", "connector", "role",
             "remote_id", "method", "score", "key", "record", "seen", "schema_version",
             "book_id", "connectors", "billing", "baseline", "payable_to", "run_id"]
TABLES = ["meta", "profiles", "links", "remote", "warnings", "runs", "proposals", "items",
          "decisions", "journal"]


@FUZZ
@given(tables=st.dictionaries(st.sampled_from(TABLES), st.dictionaries(
    st.sampled_from(["1", "2", "3"]), json_like(BOOK_KEYS), max_size=3), max_size=5))
def test_fuzz_book_documents_only_book_errors_escape(
    tmp_path: Path, tables: dict[str, Any],
) -> None:
    path = tmp_path / "book.json"
    raw = json.dumps(tables).encode()
    path.write_bytes(raw)
    try:
        book = Book.open(path)
    except BookCorruptError as exc:
        assert "\n" not in str(exc) and "left untouched" in str(exc)
        assert path.read_bytes() == raw
    else:
        assert all(isinstance(p.name, str) for p in book.profiles.values())
