"""Transaction actions over HTTP: AddTransaction, GetTransactions."""

from decimal import Decimal

import pytest

from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from invoices.services import invoice_create
from transactions.models import Transaction

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
    assert (entry.amount, entry.description) == (Decimal("25.00"), "Prepayment")
    assert Transaction.objects.get().amount_in == Decimal("25.00")


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
