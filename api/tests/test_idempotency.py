"""Retries that cannot pay twice: a write call repeated with the same idempotency key (header or
parameter) answers as the first did and changes nothing; without a key, calls behave as WHMCS's."""

import pytest
from django.test import Client as HttpClient

from api.idempotency import KEY_INVALID, KEY_REUSED
from billing_admin.tests.snapshots import billing_state
from billing_admin.tests.threads import run_at_once_or_raise
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from invoices.services import invoice_create
from transactions.models import Transaction

URL = "/includes/api.php"


@pytest.fixture
def post(credential_and_secret):
    credential, secret = credential_and_secret

    def send(action, *, key=None, http=None, **params):
        data = {"identifier": credential.identifier, "secret": secret, "action": action}
        headers = {"Idempotency-Key": key} if key else {}
        response = (http or HttpClient()).post(URL, {**data, **params}, headers=headers)
        return response.json()

    return send


@pytest.fixture
def customer():
    client = ClientFactory(currency="USD")
    add_credit(client_id=client.pk, amount="50.00", description="Seed", actor=None)
    return client


def write_calls(client_id: int, invoice_id: int) -> dict:
    return {
        "AddCredit": {"clientid": client_id, "amount": "5.00", "description": "Goodwill"},
        "ApplyCredit": {"invoiceid": invoice_id, "amount": "5.00"},
        "AddInvoicePayment": {
            "invoiceid": invoice_id,
            "transid": "T-1",
            "gateway": "paypal",
            "amount": "5.00",
        },
        "AddTransaction": {
            "userid": client_id,
            "paymentmethod": "paypal",
            "amountin": "5.00",
            "description": "Wire",
        },
        "CreateInvoice": {"userid": client_id, "itemdescription1": "VPS", "itemamount1": "9.00"},
        "UpdateInvoice": {"invoiceid": invoice_id, "credit": "7.00"},
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "action",
    [
        "AddCredit",
        "ApplyCredit",
        "AddInvoicePayment",
        "AddTransaction",
        "CreateInvoice",
        "UpdateInvoice",
    ],
)
def test_a_repeated_write_with_the_same_key_answers_the_same_and_changes_nothing(
    post, customer, action
):
    invoice = invoice_create(
        client_id=customer.pk, items=[{"description": "Hosting", "amount": "20.00"}], actor=None
    )
    params = write_calls(customer.pk, invoice.pk)[action]

    first = post(action, key="retry-1", **params)
    after_first = billing_state()
    second = post(action, key="retry-1", **params)

    assert first["result"] == "success", first
    assert second == first
    assert billing_state() == after_first


@pytest.mark.django_db
def test_the_key_may_come_as_a_parameter(post, customer):
    params = {
        "clientid": customer.pk,
        "amount": "5.00",
        "description": "x",
        "idempotencykey": "k-1",
    }

    answers = [post("AddCredit", **params) for _ in range(2)]

    assert answers[0] == answers[1] == {"result": "success", "newbalance": "55.00"}
    assert CreditEntry.objects.filter(client=customer).count() == 2  # the seed and one


@pytest.mark.django_db
def test_without_a_key_each_call_runs(post, customer):
    for _ in range(2):
        post("AddCredit", clientid=customer.pk, amount="5.00", description="Goodwill")

    customer.refresh_from_db()
    assert str(customer.credit_balance) == "60.00"


@pytest.mark.django_db
def test_a_key_reused_for_another_call_is_refused(post, customer):
    post("AddCredit", key="k-2", clientid=customer.pk, amount="5.00", description="Goodwill")
    before = billing_state()

    answer = post(
        "AddCredit", key="k-2", clientid=customer.pk, amount="6.00", description="Goodwill"
    )

    assert answer == {"result": "error", "message": KEY_REUSED}
    assert billing_state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["x" * 256, "tab\there"])
def test_a_malformed_key_is_refused(post, customer, key):
    before = billing_state()

    answer = post("AddCredit", clientid=customer.pk, amount="5.00", idempotencykey=key)

    assert answer == {"result": "error", "message": KEY_INVALID}
    assert billing_state() == before


@pytest.mark.django_db
def test_an_error_answer_is_not_kept_so_a_retry_runs(post, customer):
    refused = post("AddCredit", key="k-3", clientid=customer.pk, amount="5000000.00")
    assert refused["result"] == "error"

    assert post("AddCredit", key="k-3", clientid=customer.pk, amount="5000000.00") == refused


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_pay_once(post, customer):
    def retry():
        return post(
            "AddTransaction",
            key="wire-77",
            userid=customer.pk,
            paymentmethod="paypal",
            amountin="5.00",
            description="Wire",
            credit="1",
        )

    answers = run_at_once_or_raise(retry, retry, timeout=30)

    assert answers == [{"result": "success"}] * 2
    assert Transaction.objects.filter(client=customer).count() == 1
    customer.refresh_from_db()
    assert str(customer.credit_balance) == "55.00"
