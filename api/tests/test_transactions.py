"""Transaction actions over HTTP: AddTransaction, GetTransactions, UpdateTransaction."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from invoices.models import BALANCE_DUE, Invoice, InvoiceEvent
from invoices.selectors import OPEN_INVOICES
from invoices.services import invoice_create, payment_record, transactions_delete
from statements.selectors import EVERYTHING_START, client_statement
from transactions.models import Transaction, TransactionChange, TransactionDeletion
from transactions.tests.factories import make_transaction

pytestmark = pytest.mark.django_db


def test_add_transaction_for_a_client(call, credential):
    client = ClientFactory()
    answer = call(
        "AddTransaction",
        userid=client.pk,
        paymentmethod="paypal",
        transid="PP-100",
        date="24/11/2026",
        description="Deposit",
        amountin="100.00",
        fees="3.20",
    )
    assert answer == {"result": "success"}
    txn = Transaction.objects.get()
    assert (txn.client, txn.amount_in, txn.fees, txn.currency) == (
        client,
        Decimal("100.00"),
        Decimal("3.20"),
        "USD",
    )
    assert txn.date.date().isoformat() == "2026-11-24"
    assert txn.actor_label == f"API: {credential.identifier}"
    assert not CreditEntry.objects.exists()


def test_add_transaction_as_credit_adds_to_the_balance(call):
    client = ClientFactory()
    answer = call(
        "AddTransaction",
        userid=client.pk,
        paymentmethod="banktransfer",
        description="Prepayment",
        amountin="25.00",
        credit="true",
    )
    assert answer["result"] == "success"
    client.refresh_from_db()
    assert client.credit_balance == Decimal("25.00")
    entry = CreditEntry.objects.get()
    assert (entry.amount, entry.kind, entry.description) == (
        Decimal("25.00"),
        CreditEntry.Kind.ADDED,
        "Prepayment",
    )
    assert Transaction.objects.get().amount_in == Decimal("25.00")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"amountin": "0"}, "amount_in: The amount must be greater than zero."),
        ({"transid": "DUP-1"}, "Transaction ID must be Unique"),
        ({"description": ""}, None),
    ],
)
def test_add_transaction_as_credit_refused_writes_neither(call, params, message):
    client = ClientFactory()
    make_transaction(client=client, transaction_id="DUP-1")
    base = {
        "userid": client.pk,
        "paymentmethod": "banktransfer",
        "description": "Prepayment",
        "amountin": "25.00",
        "credit": "true",
    }
    answer = call("AddTransaction", **{**base, **params})
    assert answer["result"] == "error"
    if message:
        assert answer["message"] == message
    client.refresh_from_db()
    assert client.credit_balance == Decimal("0.00")
    assert Transaction.objects.count() == 1
    assert not CreditEntry.objects.exists()


def test_add_transaction_without_client_needs_currency(call):
    answer = call("AddTransaction", paymentmethod="paypal", description="Misc", amountin="1")
    assert answer["message"] == "A Currency ID is required for non-customer related transactions"
    assert call("AddTransaction", paymentmethod="paypal", description="Misc", currencyid="1")[
        "result"
    ] == ("success")
    assert Transaction.objects.get().currency == "USD"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"paymentmethod": ""}, "Payment Method is required"),
        ({"userid": "999999"}, "Client ID Not Found"),
        ({"invoiceid": "999999"}, "Invoice ID Not Found"),
        ({"currencyid": "7"}, "Currency ID Not Found"),
        ({"amountin": "12.345"}, "Amount must be in decimal format: ### or ###.##"),
        ({"date": "2026-13-45"}, "Date Format is not Valid"),
        (
            {"description": ""},
            "description: A description is required when the transaction is not for an invoice.",
        ),
        (
            {"credit": "1", "userid": ""},
            "A credit transaction needs a userid and must not have an invoiceid",
        ),
    ],
)
def test_add_transaction_errors_write_nothing(call, params, message):
    client = ClientFactory()
    base = {
        "userid": client.pk,
        "paymentmethod": "paypal",
        "description": "Deposit",
        "amountin": "10",
        "currencyid": "1",
    }
    assert call("AddTransaction", **{**base, **params}) == {"result": "error", "message": message}
    assert not Transaction.objects.exists()
    assert not CreditEntry.objects.exists()


def test_add_transaction_invoice_of_another_client(call):
    owner, other = ClientFactory(), ClientFactory()
    invoice = invoice_create(
        client_id=owner.pk, items=[{"description": "a", "amount": "5"}], actor=None
    )
    answer = call("AddTransaction", userid=other.pk, invoiceid=invoice.pk, paymentmethod="paypal")
    assert answer["message"] == "User ID does not own the given Invoice ID"
    answer = call(
        "AddTransaction",
        userid=owner.pk,
        invoiceid=invoice.pk,
        paymentmethod="paypal",
        credit="1",
        description="x",
        amountin="5",
    )
    assert answer["message"] == (
        "A credit transaction needs a userid and must not have an invoiceid"
    )
    assert not Transaction.objects.exists()


def test_add_transaction_currency_must_match_client(call, settings):
    settings.CURRENCIES = ["USD", "EUR"]
    client = ClientFactory(currency="USD")
    answer = call(
        "AddTransaction", userid=client.pk, paymentmethod="paypal", description="x", currencyid="2"
    )
    assert answer["message"] == "Currency ID does not match Client currency"


def test_add_transaction_transid_must_be_unique_unless_allowed(call):
    client = ClientFactory()
    params = {
        "userid": client.pk,
        "paymentmethod": "paypal",
        "description": "x",
        "transid": "DUP-1",
    }
    assert call("AddTransaction", **params)["result"] == "success"
    assert call("AddTransaction", **params)["message"] == "Transaction ID must be Unique"
    assert call("AddTransaction", **params, allowduplicatetransid="1")["result"] == "success"
    assert Transaction.objects.filter(transaction_id="DUP-1").count() == 2


def test_get_transactions_filters_and_shape(call):
    ada, bob = ClientFactory(), ClientFactory()
    for client, transid in ((ada, "A-1"), (ada, "A-2"), (bob, "B-1")):
        call(
            "AddTransaction",
            userid=client.pk,
            paymentmethod="paypal",
            description="d",
            transid=transid,
            amountin="9.5",
        )
    answer = call("GetTransactions", clientid=ada.pk)
    assert (answer["totalresults"], answer["numreturned"], answer["startnumber"]) == (2, 2, 0)
    row = answer["transactions"]["transaction"][0]
    assert set(row) == {
        "id",
        "userid",
        "currency",
        "gateway",
        "date",
        "description",
        "amountin",
        "fees",
        "amountout",
        "rate",
        "transid",
        "invoiceid",
        "refundid",
    }
    assert (row["userid"], row["amountin"], row["currency"]) == (ada.pk, "9.50", 1)
    by_transid = call("GetTransactions", transid="B-1")["transactions"]["transaction"]
    assert [row["userid"] for row in by_transid] == [bob.pk]
    assert call("GetTransactions", limitstart="5")["numreturned"] == 0


def test_get_transactions_query_count_is_constant(call, django_assert_max_num_queries):
    client = ClientFactory()
    call("AddTransaction", userid=client.pk, paymentmethod="p", description="d", amountin="1")
    with django_assert_max_num_queries(8) as few:
        call("GetTransactions")
    baseline = len(few)
    for _ in range(10):
        call("AddTransaction", userid=client.pk, paymentmethod="p", description="d", amountin="1")
    with django_assert_max_num_queries(baseline):
        call("GetTransactions")


def test_update_transaction_changes_the_row_and_audits_the_credential(call, credential):
    ada, bob = ClientFactory(), ClientFactory(first_name="Bob", last_name="Byte")
    txn = make_transaction(client=ada, amount_in="10.00", transaction_id="OLD")
    answer = call(
        "UpdateTransaction",
        transactionid=txn.pk,
        userid=bob.pk,
        gateway="banktransfer",
        date="2026-11-02",
        description="Corrected",
        amountin="12.50",
        fees="-0.50",
        amountout="1",
        transid="NEW",
        currency="1",
        rate="1.00000",
        refundid="0",
        invoiceid="0",
    )
    assert answer == {"result": "success", "transactionid": txn.pk}
    txn.refresh_from_db()
    assert (txn.client, txn.client_name, txn.gateway, txn.description, txn.transaction_id) == (
        bob,
        "Bob Byte",
        "banktransfer",
        "Corrected",
        "NEW",
    )
    assert (txn.amount_in, txn.fees, txn.amount_out) == (
        Decimal("12.50"),
        Decimal("-0.50"),
        Decimal("1.00"),
    )
    assert txn.date.date().isoformat() == "2026-11-02"
    change = TransactionChange.objects.get()
    assert change.actor_label == f"API: {credential.identifier}"
    assert change.changes["amount_in"] == {"old": "10.00", "new": "12.50"}
    assert set(change.changes) == {
        "client",
        "gateway",
        "date",
        "description",
        "amount_in",
        "fees",
        "amount_out",
        "transaction_id",
    }
    listed = call("GetTransactions", transid="NEW")["transactions"]["transaction"]
    assert [(row["userid"], row["amountin"]) for row in listed] == [(bob.pk, "12.50")]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"transactionid": "999999"}, "Transaction ID Not Found"),
        ({"transactionid": "abc"}, "Transaction ID Not Found"),
        ({"transactionid": ""}, "Transaction ID Not Found"),
        ({"userid": "999999"}, "Client ID Not Found"),
        ({"currency": "7"}, "Currency ID Not Found"),
        ({"currency": "2"}, "Currency ID does not match Client currency"),
        ({"date": "24/11/2026"}, "Date Format is not Valid"),
        ({"amountin": "1.005"}, "Amount must be in decimal format: ### or ###.##"),
        ({"transid": "TAKEN"}, "Transaction ID must be Unique"),
        (
            {"invoiceid": "5"},
            "The invoice of a transaction cannot be changed: "
            "record a payment on the invoice instead",
        ),
        ({"rate": "1.2"}, "Exchange rates are not supported: rate must be 1"),
        ({"refundid": "3"}, "Refund links are not supported: refundid must be 0"),
        ({"description": ""}, None),  # absent parameters leave the column alone
    ],
)
def test_update_transaction_errors_change_nothing(call, settings, params, message):
    settings.CURRENCIES = ["USD", "EUR"]
    client = ClientFactory(currency="USD")
    make_transaction(client=client, transaction_id="TAKEN")
    txn = make_transaction(client=client, transaction_id="MINE", description="Before")
    answer = call(
        "UpdateTransaction",
        **{"transactionid": txn.pk, "description": "After", "transid": "MINE", **params},
    )
    if message is None:
        assert answer["result"] == "success"
        txn.refresh_from_db()
        assert txn.description == "Before"
        return
    assert answer == {"result": "error", "message": message}
    txn.refresh_from_db()
    assert (txn.description, txn.transaction_id) == ("Before", "MINE")
    assert not TransactionChange.objects.exists()


def test_update_transaction_allows_a_duplicate_transid_on_request(call):
    client = ClientFactory()
    make_transaction(client=client, transaction_id="TAKEN")
    txn = make_transaction(client=client)
    answer = call(
        "UpdateTransaction", transactionid=txn.pk, transid="TAKEN", allowduplicatetransid="1"
    )
    assert answer["result"] == "success"
    assert Transaction.objects.filter(transaction_id="TAKEN").count() == 2


def test_update_transaction_keeps_an_invoice_payments_amount(call):
    client = ClientFactory()
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "a", "amount": "5"}], actor=None
    )
    txn = payment_record(invoice_id=invoice.pk, gateway="paypal", actor=None)
    answer = call("UpdateTransaction", transactionid=txn.pk, amountin="1.00")
    assert answer["message"] == (
        "The amounts and client of an invoice payment cannot be edited: the invoice's balance "
        "was computed from them."
    )
    assert call("UpdateTransaction", transactionid=txn.pk, invoiceid=invoice.pk)["result"] == (
        "success"
    )
    txn.refresh_from_db()
    assert txn.amount_in == Decimal("5.00")


# ---- AddTransaction against an invoice: a payment or a refund of it (#20) ---------------------


def owed_from_the_invoices(client) -> Decimal:
    client.refresh_from_db()
    due = Invoice.objects.filter(OPEN_INVOICES, client=client).aggregate(due=Sum(BALANCE_DUE))
    return (due["due"] or Decimal("0.00")) - client.credit_balance


def statement_closing(client) -> Decimal:
    return client_statement(client, start=EVERYTHING_START, end=timezone.localdate()).closing


def unpaid_invoice(client, amount="10.00", **fields):
    return invoice_create(
        client_id=client.pk,
        items=[{"description": "Hosting", "amount": amount}],
        actor=None,
        **fields,
    )


@pytest.mark.parametrize(
    ("amountin", "status", "paid", "due", "credit"),
    [
        ("10.00", Invoice.Status.PAID, "10.00", "0.00", "0.00"),
        ("4.00", Invoice.Status.UNPAID, "4.00", "6.00", "0.00"),
        ("11.00", Invoice.Status.PAID, "10.00", "0.00", "1.00"),  # the case
    ],
)
def test_add_transaction_with_invoiceid_pays_the_invoice(call, amountin, status, paid, due, credit):
    client = ClientFactory()
    invoice = unpaid_invoice(client)

    answer = call(
        "AddTransaction",
        userid=client.pk,
        invoiceid=invoice.pk,
        paymentmethod="paypal",
        transid="PP-1",
        date="24/11/2026",
        amountin=amountin,
    )

    assert answer == {"result": "success"}
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance_due) == (
        status,
        Decimal(paid),
        Decimal(due),
    )
    assert client.credit_balance == Decimal(credit)
    if status == Invoice.Status.PAID:
        assert invoice.paid_at == timezone.make_aware(datetime(2026, 11, 24))
    event = invoice.events.get(kind=InvoiceEvent.Kind.PAYMENT)
    assert (event.amount, event.old_value, event.new_value) == (Decimal(amountin), "10.00", due)
    overpayments = CreditEntry.objects.filter(kind=CreditEntry.Kind.OVERPAYMENT, invoice=invoice)
    assert sum(entry.amount for entry in overpayments) == Decimal(credit)
    txn = Transaction.objects.get()
    assert (txn.invoice, txn.client, txn.amount_in) == (invoice, client, Decimal(amountin))
    assert (
        statement_closing(client)
        == owed_from_the_invoices(client)
        == Decimal(due) - Decimal(credit)
    )


def test_add_transaction_with_only_an_invoiceid_pays_its_clients_invoice(call):
    client = ClientFactory()
    invoice = unpaid_invoice(client)

    answer = call("AddTransaction", invoiceid=invoice.pk, paymentmethod="paypal", amountin="10")

    assert answer == {"result": "success"}
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert Transaction.objects.get().client == client
    assert statement_closing(client) == owed_from_the_invoices(client) == Decimal("0.00")


def test_add_transaction_on_a_paid_invoice_becomes_credit(call):
    client = ClientFactory()
    invoice = unpaid_invoice(client)
    payment_record(invoice_id=invoice.pk, gateway="paypal", actor=None)

    answer = call(
        "AddTransaction",
        userid=client.pk,
        invoiceid=invoice.pk,
        paymentmethod="paypal",
        amountin="5",
    )

    assert answer == {"result": "success"}
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("10.00"))
    assert client.credit_balance == Decimal("5.00")
    entry = CreditEntry.objects.get()
    assert (entry.kind, entry.invoice) == (CreditEntry.Kind.OVERPAYMENT, invoice)
    assert statement_closing(client) == owed_from_the_invoices(client) == Decimal("-5.00")


def test_add_transaction_on_a_draft_invoice_is_refused_and_writes_nothing(call):
    client = ClientFactory()
    invoice = unpaid_invoice(client, status=Invoice.Status.DRAFT)
    events = invoice.events.count()

    answer = call(
        "AddTransaction",
        userid=client.pk,
        invoiceid=invoice.pk,
        paymentmethod="paypal",
        amountin="5",
    )

    assert answer == {
        "result": "error",
        "message": "A Draft invoice is not issued: publish it before recording money against it.",
    }
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.DRAFT, Decimal("0.00"))
    assert client.credit_balance == Decimal("0.00")
    assert invoice.events.count() == events
    assert not Transaction.objects.exists()
    assert not CreditEntry.objects.exists()


def test_add_transaction_refund_on_an_invoice_lowers_what_was_paid(call):
    client = ClientFactory()
    invoice = unpaid_invoice(client)
    call("AddTransaction", invoiceid=invoice.pk, paymentmethod="paypal", amountin="11.00")

    answer = call(
        "AddTransaction",
        userid=client.pk,
        invoiceid=invoice.pk,
        paymentmethod="paypal",
        amountout="4.00",
        description="Partial refund",
    )

    assert answer == {"result": "success"}
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance_due, invoice.paid_at) == (
        Invoice.Status.UNPAID,
        Decimal("6.00"),
        Decimal("4.00"),
        None,
    )
    assert client.credit_balance == Decimal("1.00")  # the overpayment stays credit
    event = invoice.events.get(kind=InvoiceEvent.Kind.REFUND)
    assert (event.amount, event.old_value, event.new_value) == (Decimal("4.00"), "0.00", "4.00")
    closing = statement_closing(client)
    assert closing == owed_from_the_invoices(client) == Decimal("3.00")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"amountout": "10.01"},
            "amount_out: The refund is more than was paid on the invoice (10.00).",
        ),
        (
            {"amountin": "1", "amountout": "1"},
            "A transaction on an invoice is a payment (amount in) or a refund (amount out), not "
            "both: record them as two transactions.",
        ),
        (
            {},
            "A transaction on an invoice needs an amount in (a payment) or an amount out "
            "(a refund).",
        ),
    ],
)
def test_add_transaction_on_an_invoice_refused_changes_nothing(call, params, message):
    client = ClientFactory()
    invoice = unpaid_invoice(client)
    payment_record(invoice_id=invoice.pk, gateway="paypal", actor=None)
    before = (Transaction.objects.count(), invoice.events.count())

    answer = call(
        "AddTransaction", userid=client.pk, invoiceid=invoice.pk, paymentmethod="paypal", **params
    )

    assert answer == {"result": "error", "message": message}
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("10.00"))
    assert (Transaction.objects.count(), invoice.events.count()) == before
    assert statement_closing(client) == owed_from_the_invoices(client) == Decimal("0.00")


# ---- deleting a transaction on an invoice undoes what it did --------------------------------
# The API has no DeleteTransaction (neither has WHMCS): staff delete in the admin, and
# DeleteClient with deletetransactions removes a client's transactions with its invoices.


def test_an_api_overpayment_deleted_by_staff_reopens_the_invoice_and_takes_the_credit_back(
    call, admin_client
):
    client = ClientFactory()
    invoice = unpaid_invoice(client)
    call(
        "AddTransaction",
        userid=client.pk,
        invoiceid=invoice.pk,
        paymentmethod="paypal",
        transid="PP-9",
        amountin="11.00",
    )
    txn = Transaction.objects.get()
    assert call("GetInvoice", invoiceid=invoice.pk)["status"] == Invoice.Status.PAID

    response = admin_client.post(
        reverse("admin:transactions_transaction_delete", args=[txn.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    answer = call("GetInvoice", invoiceid=invoice.pk)
    assert (answer["status"], answer["balance"]) == (Invoice.Status.UNPAID, "10.00")
    assert call("GetClientsDetails", clientid=client.pk)["client"]["credit"] == "0.00"
    assert call("GetTransactions", clientid=client.pk)["totalresults"] == 0
    assert statement_closing(client) == owed_from_the_invoices(client) == Decimal("10.00")


def test_delete_client_with_deletetransactions_after_its_overpayment_credit_was_spent(call):
    client = ClientFactory()
    invoice, other = unpaid_invoice(client), unpaid_invoice(client, amount="5.00")
    call(
        "AddTransaction",
        userid=client.pk,
        invoiceid=invoice.pk,
        paymentmethod="paypal",
        amountin="11.00",
    )
    call(
        "AddTransaction",
        userid=client.pk,
        invoiceid=invoice.pk,
        paymentmethod="paypal",
        amountout="3.00",
    )
    assert call("ApplyCredit", invoiceid=other.pk, amount="1.00")["result"] == "success"

    payment = Transaction.objects.get(amount_in=Decimal("11.00"))
    with pytest.raises(ValidationError, match="Nothing was deleted"):
        transactions_delete(ids=[payment.pk], actor=None)  # alone: refunded, credit spent

    # With the client its invoices and credit go too: nothing is undone, nothing stands in the way.
    answer = call("DeleteClient", clientid=client.pk, deletetransactions="true")

    assert answer["result"] == "success"
    assert not Transaction.objects.exists()
    assert TransactionDeletion.objects.count() == 2
    assert not Invoice.objects.exists()
    assert not CreditEntry.objects.exists()
