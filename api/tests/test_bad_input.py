"""Bad input never gets a 500: every action, every parameter it reads, hostile values."""

import pytest

from api.registry import ACTION_NAMES
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices.services import invoice_create

pytestmark = pytest.mark.django_db

PARAMETERS = (
    "clientid",
    "userid",
    "invoiceid",
    "transactionid",
    "email",
    "clientemail",
    "amount",
    "amountin",
    "fees",
    "amountout",
    "date",
    "duedate",
    "type",
    "status",
    "limitstart",
    "limitnum",
    "orderby",
    "sorting",
    "order",
    "currency",
    "currencyid",
    "groupid",
    "country",
    "itemdescription1",
    "itemamount1",
    "transid",
    "gateway",
    "paymentmethod",
    "search",
    "description",
    "firstname",
    "credit",
    "stats",
    "language",
)
HOSTILE = ("NaN", "-Infinity", "1e999", "-1", "0", "9" * 26, "9" * 29, "²", " ", "'\"<>")


@pytest.mark.parametrize("action", ACTION_NAMES)
def test_every_action_survives_hostile_values(call, action):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="5.00", description="seed", actor=None)
    invoice_create(client_id=client.pk, items=[{"description": "a", "amount": "5"}], actor=None)
    for value in HOSTILE:
        answer = call(action, **dict.fromkeys(PARAMETERS, value))  # asserts HTTP 200
        assert answer["result"] in ("success", "error"), value


def test_an_amount_with_more_digits_than_decimal_precision_is_an_error(call):
    client = ClientFactory()
    answer = call(
        "CreateInvoice", userid=client.pk, itemdescription1="Hosting", itemamount1="9" * 29
    )
    assert answer == {
        "result": "error",
        "message": "Item amount must be in decimal format: ### or ###.##",
    }
    assert not client.invoices.exists()
