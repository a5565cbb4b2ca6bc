"""Invoice actions over HTTP: CreateInvoice, GetInvoice, GetInvoices, AddInvoicePayment."""

from decimal import Decimal

import pytest

from clients.services import client_update
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from invoices.models import Invoice
from invoices.services import invoice_cancel, invoice_create
from transactions.models import Transaction

pytestmark = pytest.mark.django_db


def _balance(client) -> Decimal:
    client.refresh_from_db()
    return client.credit_balance


def test_create_invoice_with_numbered_items(call):
    client = ClientFactory()
    answer = call(
        "CreateInvoice",
        userid=client.pk,
        date="2026-11-24",
        duedate="2026-12-01",
        paymentmethod="paypal",
        notes="Thanks",
        itemdescription1="Hosting",
        itemamount1="45.90",
        itemtaxed1="1",
        **{"itemdescription[2]": "Setup", "itemamount[2]": "4.10"},
    )
    invoice = Invoice.objects.get()
    assert answer == {"result": "success", "invoiceid": invoice.pk, "status": "Unpaid"}
    assert invoice.total == Decimal("50.00")
    assert invoice.due_date.isoformat() == "2026-12-01"
    assert [(i.description, i.amount, i.taxed) for i in invoice.items.all()] == [
        ("Hosting", Decimal("45.90"), True),
        ("Setup", Decimal("4.10"), False),
    ]


def test_create_invoice_auto_applies_credit(call):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("30.00"), description="Prepay", actor=None)
    answer = call(
        "CreateInvoice",
        userid=client.pk,
        itemdescription0="Hosting",
        itemamount0="45.90",
        autoapplycredit="true",
    )
    invoice = Invoice.objects.get(pk=answer["invoiceid"])
    assert (invoice.status, invoice.credit_applied) == (Invoice.Status.UNPAID, Decimal("30.00"))
    assert _balance(client) == Decimal("0.00")
    assert CreditEntry.objects.latest("id").amount == Decimal("-30.00")
    details = call("GetInvoice", invoiceid=invoice.pk)
    assert (details["credit"], details["balance"]) == ("30.00", "15.90")


def test_create_invoice_draft(call):
    client = ClientFactory()
    answer = call(
        "CreateInvoice", userid=client.pk, draft="1", itemdescription1="X", itemamount1="1"
    )
    assert answer["status"] == "Draft"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"userid": "123456"}, "Client ID Not Found"),
        ({"userid": ""}, "Client ID Not Found"),
        (
            {"draft": "1", "sendinvoice": "1"},
            "Cannot create and send a draft invoice in a single API request. "
            "Please create and send separately.",
        ),
        ({"status": "Bogus"}, "Invalid status Bogus"),
        ({"status": "Paid"}, "Invalid status Paid"),
        ({"itemamount1": "NaN"}, "Item amount must be in decimal format: ### or ###.##"),
        ({"duedate": "tomorrow"}, "Date Format is not Valid"),
    ],
)
def test_create_invoice_errors_write_nothing(call, params, message):
    client = ClientFactory()
    base = {"userid": client.pk, "itemdescription1": "Hosting", "itemamount1": "10.00"}
    assert call("CreateInvoice", **{**base, **params}) == {"result": "error", "message": message}
    assert not Invoice.objects.exists()


def test_get_invoice_shape_and_empty_transactions(call):
    client = ClientFactory()
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "45.90"}], actor=None
    )
    answer = call("GetInvoice", invoiceid=invoice.pk)
    assert answer["result"] == "success"
    assert answer["invoiceid"] == invoice.pk
    assert answer["userid"] == client.pk
    assert (answer["total"], answer["balance"], answer["credit"]) == ("45.90", "45.90", "0.00")
    assert answer["datepaid"] == "0000-00-00 00:00:00"
    assert answer["transactions"] == ""
    (item,) = answer["items"]["item"]
    assert (item["description"], item["amount"]) == ("Hosting", "45.90")


def test_get_invoice_lists_its_transactions(call):
    client = ClientFactory()
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "10.00"}], actor=None
    )
    call("AddInvoicePayment", invoiceid=invoice.pk, transid="PP-1", gateway="paypal")
    answer = call("GetInvoice", invoiceid=invoice.pk)
    assert answer["status"] == "Paid"
    (txn,) = answer["transactions"]["transaction"]
    assert (txn["transid"], txn["amountin"], txn["gateway"]) == ("PP-1", "10.00", "paypal")


def test_get_invoice_not_found(call):
    assert call("GetInvoice", invoiceid="8888")["message"] == "Invoice ID Not Found"
    assert call("GetInvoice", invoiceid="-1")["message"] == "Invoice ID Not Found"


def test_get_invoices_filters_orders_and_pages(call):
    ada, bob = ClientFactory(), ClientFactory()
    small = invoice_create(
        client_id=ada.pk, items=[{"description": "a", "amount": "5"}], actor=None
    )
    big = invoice_create(client_id=ada.pk, items=[{"description": "b", "amount": "50"}], actor=None)
    invoice_create(client_id=bob.pk, items=[{"description": "c", "amount": "7"}], actor=None)
    invoice_cancel(invoice_id=small.pk, actor=None)
    answer = call("GetInvoices", userid=ada.pk, orderby="total", order="desc")
    assert answer["totalresults"] == 2
    assert [row["id"] for row in answer["invoices"]["invoice"]] == [big.pk, small.pk]
    row = answer["invoices"]["invoice"][0]
    assert (row["total"], row["firstname"], row["currencycode"]) == ("50.00", ada.first_name, "USD")
    cancelled = call("GetInvoices", status="Cancelled")["invoices"]["invoice"]
    assert [row["id"] for row in cancelled] == [small.pk]
    past_end = call("GetInvoices", limitstart="3")
    assert (past_end["numreturned"], past_end["totalresults"]) == (0, 3)


def test_get_invoices_overdue(call):
    client = ClientFactory()
    overdue = invoice_create(
        client_id=client.pk, items=[{"description": "a", "amount": "5"}], actor=None
    )
    Invoice.objects.filter(pk=overdue.pk).update(due_date="2020-01-01")
    invoice_create(client_id=client.pk, items=[{"description": "b", "amount": "5"}], actor=None)
    rows = call("GetInvoices", status="Overdue")["invoices"]["invoice"]
    assert [row["id"] for row in rows] == [overdue.pk]


def test_get_invoices_query_count_is_constant(call, django_assert_max_num_queries):
    for _ in range(2):
        client = ClientFactory()
        invoice_create(client_id=client.pk, items=[{"description": "a", "amount": "5"}], actor=None)
    with django_assert_max_num_queries(8) as few:
        call("GetInvoices")
    baseline = len(few)
    for _ in range(10):
        client = ClientFactory()
        invoice_create(client_id=client.pk, items=[{"description": "a", "amount": "5"}], actor=None)
    with django_assert_max_num_queries(baseline):
        call("GetInvoices")


def test_add_invoice_payment_overpayment_goes_to_credit(call, credential):
    client = ClientFactory()
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "45.90"}], actor=None
    )
    answer = call(
        "AddInvoicePayment",
        invoiceid=invoice.pk,
        transid="TX-9",
        gateway="banktransfer",
        amount="50.00",
        fees="0.50",
        date="2026-11-24 10:30:00",
    )
    assert answer == {"result": "success"}
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("45.90"))
    assert _balance(client) == Decimal("4.10")
    entry = CreditEntry.objects.get()
    assert (entry.amount, entry.kind) == (Decimal("4.10"), CreditEntry.Kind.OVERPAYMENT)
    txn = Transaction.objects.get()
    assert (txn.amount_in, txn.fees, txn.transaction_id) == (
        Decimal("50.00"),
        Decimal("0.50"),
        "TX-9",
    )
    assert txn.actor_label == f"API: {credential.identifier}"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"invoiceid": "0"}, "Invoice ID Not Found"),
        ({"transid": ""}, "Transaction ID is required"),
        ({"gateway": ""}, "Payment Method is required"),
        ({"amount": "inf"}, "Amount must be in decimal format: ### or ###.##"),
        ({"date": "24/11/2026"}, "Date Format is not Valid"),
    ],
)
def test_add_invoice_payment_errors_write_nothing(call, params, message):
    client = ClientFactory()
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "10"}], actor=None
    )
    base = {"invoiceid": invoice.pk, "transid": "T", "gateway": "paypal"}
    assert call("AddInvoicePayment", **{**base, **params}) == {
        "result": "error",
        "message": message,
    }
    assert not Transaction.objects.exists()


def test_add_invoice_payment_to_cancelled_invoice(call):
    client = ClientFactory()
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "10"}], actor=None
    )
    invoice_cancel(invoice_id=invoice.pk, actor=None)
    answer = call("AddInvoicePayment", invoiceid=invoice.pk, transid="T", gateway="paypal")
    assert (
        answer["message"] == "It is not possible to add a payment to an invoice that is Cancelled"
    )
    assert not Transaction.objects.exists()


def test_update_invoice_cancels_and_returns_credit(call):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("4.00"), description="Prepay", actor=None)
    invoice = invoice_create(
        client_id=client.pk,
        items=[{"description": "Hosting", "amount": "10"}],
        actor=None,
        auto_apply_credit=True,
    )
    assert _balance(client) == Decimal("0.00")
    answer = call("UpdateInvoice", invoiceid=invoice.pk, status="Cancelled")
    assert answer == {"result": "success", "invoiceid": invoice.pk}
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.CANCELLED
    assert _balance(client) == Decimal("4.00")
    assert CreditEntry.objects.latest("id").kind == CreditEntry.Kind.UNAPPLIED


def test_get_invoices_names_the_identity_the_invoice_was_issued_to(call):
    client = ClientFactory(first_name="Ada", last_name="Lovelace", company_name="Engines")
    invoice_create(client_id=client.pk, actor=None, items=[{"description": "x", "amount": "1"}])
    client_update(client_id=client.pk, actor=None, last_name="King", company_name="")

    (row,) = call("GetInvoices", userid=client.pk)["invoices"]["invoice"]

    assert (row["firstname"], row["lastname"], row["companyname"]) == ("Ada", "Lovelace", "Engines")
