"""Credit actions over HTTP: AddCredit, GetCredits, ApplyCredit. Every money test checks the
answer, the balance, the ledger row, and for a rejection that nothing was written."""

from decimal import Decimal

import pytest

from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from invoices.models import Invoice
from invoices.services import invoice_create
from invoices.tests.factories import make_invoice

pytestmark = pytest.mark.django_db


def _balance(client) -> Decimal:
    client.refresh_from_db()
    return client.credit_balance


def test_add_credit_adds_and_returns_new_balance(call, credential):
    client = ClientFactory()
    answer = call(
        "AddCredit", clientid=client.pk, description="Goodwill", amount="45.9", date="2026-11-20"
    )
    assert answer == {"result": "success", "newbalance": "45.90"}
    assert _balance(client) == Decimal("45.90")
    entry = CreditEntry.objects.get()
    assert (entry.amount, entry.kind, entry.description) == (
        Decimal("45.90"),
        CreditEntry.Kind.ADDED,
        "Goodwill",
    )
    assert entry.date.isoformat() == "2026-11-20"
    assert entry.actor_label == f"API: {credential.identifier}"
    assert entry.actor_user == credential.user


def test_add_credit_type_remove(call):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("20.00"), description="seed", actor=None)
    answer = call("AddCredit", clientid=client.pk, description="Refund", amount="5", type="remove")
    assert answer == {"result": "success", "newbalance": "15.00"}
    assert _balance(client) == Decimal("15.00")
    assert CreditEntry.objects.latest("id").amount == Decimal("-5.00")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"type": "move"}, "Type can only be add or remove"),
        ({"clientid": "999999"}, "Client ID Not Found"),
        ({"clientid": "abc"}, "Client ID Not Found"),
        ({"clientid": "99999999999999999999999"}, "Client ID Not Found"),
        ({"amount": ""}, "No Amount Provided"),
        ({"amount": "NaN"}, "Amount must be in decimal format: ### or ###.##"),
        ({"amount": "1e3"}, "Amount must be in decimal format: ### or ###.##"),
        ({"amount": "1.234"}, "Amount must be in decimal format: ### or ###.##"),
        ({"amount": "1,50"}, "Amount must be in decimal format: ### or ###.##"),
        ({"amount": "99999999999999999"}, "Amount must be in decimal format: ### or ###.##"),
        ({"amount": "-5"}, "amount: The amount must be greater than zero."),
        ({"date": "20/11/2026"}, "Date Format is not Valid"),
        ({"adminid": "424242"}, "Admin ID Not Found"),
        ({"type": "remove", "amount": "1.00"}, "amount: Only 0.00 credit is available to remove."),
    ],
)
def test_add_credit_errors_write_nothing(call, params, message):
    client = ClientFactory()
    base = {"clientid": client.pk, "description": "x", "amount": "10.00"}
    answer = call("AddCredit", **{**base, **params})
    assert answer == {"result": "error", "message": message}
    assert _balance(client) == Decimal("0.00")
    assert not CreditEntry.objects.exists()


def test_add_credit_adminid_of_staff_user_is_accepted(call, api_owner):
    client = ClientFactory()
    answer = call(
        "AddCredit", clientid=client.pk, description="x", amount="1.00", adminid=api_owner.pk
    )
    assert answer["newbalance"] == "1.00"


def test_get_credits_lists_the_log(call):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("30.00"), description="Prepay", actor=None)
    invoice = invoice_create(
        client_id=client.pk,
        items=[{"description": "Hosting", "amount": "10.00"}],
        actor=None,
        auto_apply_credit=True,
    )
    answer = call("GetCredits", clientid=client.pk)
    assert answer["result"] == "success"
    assert answer["totalresults"] == 2
    assert answer["clientid"] == client.pk
    added, applied = answer["credits"]["credit"]
    assert (added["amount"], added["relid"], added["description"]) == ("30.00", 0, "Prepay")
    assert (applied["amount"], applied["relid"]) == ("-10.00", invoice.pk)
    assert set(added) == {"id", "date", "description", "amount", "relid"}


def test_get_credits_unknown_client(call):
    assert call("GetCredits", clientid="77777")["message"] == "Client ID Not Found"


def test_get_credits_query_count_is_constant(call, django_assert_max_num_queries):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("1.00"), description="a", actor=None)
    with django_assert_max_num_queries(8) as few:
        call("GetCredits", clientid=client.pk)
    baseline = len(few)
    for _ in range(10):
        add_credit(client_id=client.pk, amount=Decimal("1.00"), description="b", actor=None)
    with django_assert_max_num_queries(baseline):
        call("GetCredits", clientid=client.pk)


def test_apply_credit_partially_then_fully(call, credential):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("80.00"), description="Prepay", actor=None)
    invoice = make_invoice(client, amount="50.00")
    answer = call("ApplyCredit", invoiceid=invoice.pk, amount="20")
    assert answer == {
        "result": "success",
        "invoiceid": invoice.pk,
        "amount": "20.00",
        "invoicepaid": "false",
    }
    assert _balance(client) == Decimal("60.00")
    answer = call("ApplyCredit", invoiceid=invoice.pk)  # the most possible: the 30.00 still due
    assert (answer["amount"], answer["invoicepaid"]) == ("30.00", "true")
    assert _balance(client) == Decimal("30.00")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.credit_applied) == (Invoice.Status.PAID, Decimal("50.00"))
    entry = CreditEntry.objects.latest("id")
    assert (entry.amount, entry.invoice_id) == (Decimal("-30.00"), invoice.pk)
    assert entry.actor_label == f"API: {credential.identifier}"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Credit Amount to apply must be greater than zero"),
        ("-5", "Credit Amount to apply must be greater than zero"),
        ("abc", "Credit Amount to apply must be greater than zero"),
        ("15.00", "Amount exceeds customer credit balance"),
        ("10.01", "Amount Exceeds Invoice Balance"),
    ],
)
def test_apply_credit_errors_write_nothing(call, amount, message):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("12.00"), description="Prepay", actor=None)
    invoice = make_invoice(client, amount="10.00")
    assert call("ApplyCredit", invoiceid=invoice.pk, amount=amount) == {
        "result": "error",
        "message": message,
    }
    assert _balance(client) == Decimal("12.00")
    assert CreditEntry.objects.count() == 1


def test_apply_credit_on_missing_or_paid_invoice(call):
    assert call("ApplyCredit", invoiceid="5555")["message"] == "Invoice ID Not Found"
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("20.00"), description="Prepay", actor=None)
    invoice = make_invoice(client, amount="10.00")
    call("ApplyCredit", invoiceid=invoice.pk)
    assert call("ApplyCredit", invoiceid=invoice.pk)["message"] == "Invoice Not in Unpaid Status"
    assert _balance(client) == Decimal("10.00")
