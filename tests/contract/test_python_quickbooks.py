"""python-quickbooks (with intuit-oauth) drives the QBO sandbox: what it expects, the sandbox answers.

The client is configured as for any other Intuit environment: ``AuthClient`` reads the
sandbox's OpenID discovery document (its ``environment`` may be a discovery URL) and the
``QuickBooks`` client's production API base (``api_url_v3``) is set to the sandbox's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.exceptions import (
    ObjectNotFoundException,
    QuickbooksException,
    ValidationException,
)
from quickbooks.objects.account import Account
from quickbooks.objects.base import Ref
from quickbooks.objects.bill import Bill
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import (
    AccountBasedExpenseLine,
    AccountBasedExpenseLineDetail,
)
from quickbooks.objects.item import Item
from quickbooks.objects.vendor import Vendor

from connectors.qbo.sandbox import ACCOUNT_IDS, SEED_IDS, QboSandbox
from connectors.qbo.sandbox.server import CLIENT_ID, CLIENT_SECRET
from tests.conftest import serving


@pytest.fixture(scope="module")
def sandbox() -> Iterator[QboSandbox]:
    yield from serving(QboSandbox())


@pytest.fixture
def qb(sandbox: QboSandbox, insecure_loopback: None) -> QuickBooks:
    sandbox.reset()
    auth = AuthClient(CLIENT_ID, CLIENT_SECRET, "http://127.0.0.1/callback",
                      sandbox.url + "/.well-known/openid_configuration")
    client = QuickBooks(auth_client=auth, refresh_token=sandbox.refresh_token,
                        company_id=sandbox.realm_id, minorversion=75)
    client.api_url_v3 = sandbox.url + "/v3"
    return client


def expense_line(amount: str, account_id: str) -> AccountBasedExpenseLine:
    line = AccountBasedExpenseLine()
    line.Amount = Decimal(amount)
    line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    ref = Ref()
    ref.value = account_id
    line.AccountBasedExpenseLineDetail.AccountRef = ref
    return line


def vendor_ref(vendor_id: str) -> Ref:
    ref = Ref()
    ref.type, ref.value = "Vendor", vendor_id
    return ref


def test_reads_and_filters(qb: QuickBooks) -> None:
    vendor = Vendor.get(SEED_IDS["vendor:Siobhan O'Leary"], qb=qb)
    assert vendor.DisplayName == "Siobhan O'Leary" and vendor.SyncToken == "0"
    found = Customer.filter(DisplayName="*Thomas Baker", qb=qb)
    assert [c.Id for c in found] == [SEED_IDS["customer:Thomas Baker"]]
    assert len(Customer.where("Active = false", qb=qb)) == 2
    like = Vendor.where("DisplayName LIKE 'J%'", order_by="DisplayName", qb=qb)
    assert [v.DisplayName for v in like] == ["Jordan Lee"]  # inactive records stay hidden


def test_paging_and_count(qb: QuickBooks) -> None:
    every = Vendor.all(max_results=1000, qb=qb)
    first = Vendor.all(start_position=1, max_results=5, qb=qb)
    second = Vendor.all(start_position=6, max_results=5, qb=qb)
    assert [v.Id for v in first + second] == [v.Id for v in every[:10]]
    assert Vendor.count(qb=qb) == len(every)


def test_items_carry_their_sku_and_accounts_their_number(qb: QuickBooks) -> None:
    items = {i.Name: i for i in Item.all(qb=qb)}  # python-quickbooks asks SELECT *, Sku
    assert items["Desk Fee"].Sku == "DESK"
    accounts = {a.AcctNum: a for a in Account.all(max_results=1000, qb=qb)}
    assert accounts["310"].Id == ACCOUNT_IDS["310"] and accounts["310"].AccountType
    assert "420" not in accounts  # inactive accounts are hidden unless asked for


def test_writes_sync_token_and_stale_object(qb: QuickBooks) -> None:
    vendor = Vendor()
    vendor.DisplayName = "Contract Test Pty"
    created = vendor.save(qb=qb)
    assert created.Id and created.SyncToken == "0"
    created.CompanyName = "Contract Test Pty Ltd"
    updated = created.save(qb=qb)
    assert updated.SyncToken == "1" and updated.CompanyName == "Contract Test Pty Ltd"
    stale = Vendor.get(created.Id, qb=qb)
    stale.SyncToken = "0"
    with pytest.raises(QuickbooksException) as caught:  # codes 5000-9999: the base class
        stale.save(qb=qb)
    assert caught.value.error_code == 5010


def test_duplicate_display_name_is_6240(qb: QuickBooks) -> None:
    clash = Customer()
    clash.DisplayName = "Thomas Baker"  # a Vendor holds it: one namespace
    with pytest.raises(QuickbooksException) as caught:
        clash.save(qb=qb)
    assert caught.value.error_code == 6240


def test_bill_with_a_real_account_posts_and_a_missing_one_is_2500(
        qb: QuickBooks, sandbox: QboSandbox) -> None:
    bill = Bill()
    bill.VendorRef = vendor_ref(SEED_IDS["vendor:Thomas Baker"])
    bill.Line.append(expense_line("120.50", ACCOUNT_IDS["310"]))
    bill.DocNumber = "CT-1"
    posted = bill.save(qb=qb)
    stored = sandbox.record("Bill", posted.Id)
    assert stored is not None and str(stored["TotalAmt"]) == "120.50"
    assert posted.TotalAmt == 120.5 and posted.DocNumber == "CT-1"
    again = Bill.get(posted.Id, qb=qb)
    assert again.Line[0].AccountBasedExpenseLineDetail.AccountRef.value == ACCOUNT_IDS["310"]

    wrong = Bill()
    wrong.VendorRef = vendor_ref(SEED_IDS["vendor:Thomas Baker"])
    wrong.Line.append(expense_line("10.00", "310"))  # an account number is not an Id
    with pytest.raises(ValidationException) as caught:
        wrong.save(qb=qb)
    assert caught.value.error_code == 2500 and "Invalid Reference Id" in caught.value.message
    assert sandbox.count("Bill") == 1


def test_bill_to_an_inactive_vendor_is_610(qb: QuickBooks) -> None:
    bill = Bill()
    bill.VendorRef = vendor_ref(SEED_IDS["vendor:Jordan Lee (deleted)"])
    bill.Line.append(expense_line("10.00", ACCOUNT_IDS["310"]))
    with pytest.raises(ObjectNotFoundException):
        bill.save(qb=qb)


def test_duplicate_doc_numbers_are_refused_when_the_company_says_so(
        qb: QuickBooks, sandbox: QboSandbox) -> None:
    sandbox.refuse_duplicate_doc_numbers()
    for attempt in range(2):
        bill = Bill()
        bill.VendorRef = vendor_ref(SEED_IDS["vendor:Thomas Baker"])
        bill.Line.append(expense_line("10.00", ACCOUNT_IDS["400"]))
        bill.DocNumber = "D-1042"
        if attempt == 0:
            bill.save(qb=qb)
            continue
        with pytest.raises(QuickbooksException) as caught:
            bill.save(qb=qb)
        assert caught.value.error_code == 6140
    assert sandbox.count("Bill") == 1


def test_apostrophes_escaped_or_a_parse_fault(qb: QuickBooks) -> None:
    found = Vendor.filter(DisplayName="Siobhan O'Leary", qb=qb)  # filter() escapes it
    assert [v.Id for v in found] == [SEED_IDS["vendor:Siobhan O'Leary"]]
    with pytest.raises(ValidationException) as caught:  # where() sends the clause as given
        Vendor.where("DisplayName = 'Siobhan O'Leary'", qb=qb)
    assert caught.value.error_code == 4000


def test_batch_create_reports_per_item_faults(qb: QuickBooks) -> None:
    fresh, taken = Vendor(), Vendor()
    fresh.DisplayName = "Batch Fresh Pty"
    taken.DisplayName = "*Thomas Baker"  # a Customer holds it
    result = batch_create([fresh, taken], qb=qb)
    assert [v.DisplayName for v in result.successes] == ["Batch Fresh Pty"]
    [fault] = result.faults
    assert fault.Error[0].code == "6240"


def test_change_data_capture_sees_a_new_vendor(qb: QuickBooks) -> None:
    since = datetime.now(UTC) - timedelta(minutes=1)
    vendor = Vendor()
    vendor.DisplayName = "CDC Pty"
    created = vendor.save(qb=qb)
    changes = change_data_capture([Vendor, Customer], since, qb=qb)
    assert created.Id in {v.Id for v in changes.Vendor}
