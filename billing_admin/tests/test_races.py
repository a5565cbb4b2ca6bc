"""Deletes racing money: a client deleted while a payment, a credit application or a
transaction for it is on its way. The deletion runs on a real second connection and holds its
transaction open while the call arrives, so the call finds the client in its lookup and loses
it at the lock; the call must answer WHMCS's not-found message, never a 500, and the ledgers
must stay whole."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from api.registry import ACTION_NAMES
from api.services import credential_create
from clients.models import Client
from clients.services import client_delete
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices.services import invoice_create
from transactions.models import Transaction

pytestmark = pytest.mark.django_db(transaction=True)

# How long the deletion keeps its transaction open after deleting, so the racing call has
# certainly reached the lock before the deletion commits.
HOLD_SECONDS = 1.0


@pytest.fixture
def victim():
    customer = ClientFactory(currency="USD")
    add_credit(client_id=customer.pk, amount="30.00", description="Seed", actor=None)
    invoice = invoice_create(
        client_id=customer.pk, items=[{"description": "Hosting", "amount": "20.00"}], actor=None
    )
    return customer, invoice


def while_deleting(client_id: int, call):
    """Run ``call()`` while another connection has deleted ``client_id`` but not committed."""
    deleted = threading.Event()
    failures = []

    def delete():
        try:
            with transaction.atomic():
                client_delete(client_id=client_id, actor=None)
                deleted.set()
                time.sleep(HOLD_SECONDS)
        except Exception as exc:  # the test reports it
            failures.append(exc)
            deleted.set()
        finally:
            connection.close()

    deleter = threading.Thread(target=delete)
    deleter.start()
    assert deleted.wait(timeout=30)
    try:
        return call()
    finally:
        deleter.join(timeout=30)
        assert not failures, failures
        assert not Client.objects.filter(pk=client_id).exists()


@pytest.fixture
def api_post(django_user_model):
    owner = django_user_model.objects.create_superuser("api-owner", password="pw")
    credential, secret = credential_create(
        name="Race", user=owner, allowed_actions=ACTION_NAMES, allowed_ips=["127.0.0.1"], actor=None
    )
    http = HttpClient()

    def post(action, **params):
        data = {"identifier": credential.identifier, "secret": secret, "action": action}
        response = http.post("/includes/api.php", {**data, **params})
        assert response.status_code == 200, response.content
        return response.json()

    return post


def api_money_calls(client_id: int, invoice_id: int) -> dict:
    transaction_fields = {
        "userid": client_id,
        "paymentmethod": "paypal",
        "amountin": "5.00",
        "description": "Wire",
    }
    return {
        "ApplyCredit": ({"invoiceid": invoice_id, "amount": "5.00"}, "Invoice ID Not Found"),
        "AddInvoicePayment": (
            {"invoiceid": invoice_id, "transid": "T-1", "gateway": "paypal", "amount": "5.00"},
            "Invoice ID Not Found",
        ),
        "AddTransaction": (transaction_fields, "Client ID Not Found"),
        "AddTransaction credit=1": ({**transaction_fields, "credit": "1"}, "Client ID Not Found"),
        "AddCredit": ({"clientid": client_id, "amount": "5.00"}, "Client ID Not Found"),
    }


@pytest.mark.parametrize(
    "name",
    ["ApplyCredit", "AddInvoicePayment", "AddTransaction", "AddTransaction credit=1", "AddCredit"],
)
def test_api_money_call_racing_a_delete_answers_not_found(api_post, victim, name):
    customer, invoice = victim
    params, message = api_money_calls(customer.pk, invoice.pk)[name]
    action = name.split()[0]

    answer = while_deleting(customer.pk, lambda: api_post(action, **params))

    assert answer == {"result": "error", "message": message}
    # Only the world's own transactions survive (none here): nothing was written for the call.
    assert not Transaction.objects.filter(client_snapshot_id=customer.pk).exists()


def test_admin_money_forms_racing_a_delete_show_not_found(admin_user, victim):
    customer, invoice = victim
    http = HttpClient()
    http.force_login(admin_user)
    url = reverse("admin:invoices_invoice_apply_credit", args=[invoice.pk])

    response = while_deleting(customer.pk, lambda: http.post(url, {"amount": "5.00"}, follow=True))

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:invoices_invoice_changelist")
    assert "Invoice ID Not Found" in [str(m) for m in response.context["messages"]]
    assert not Transaction.objects.exists()


def test_admin_add_payment_racing_a_delete_shows_not_found(admin_user, victim):
    customer, invoice = victim
    http = HttpClient()
    http.force_login(admin_user)
    url = reverse("admin:invoices_invoice_add_payment", args=[invoice.pk])
    data = {
        "date": "2026-11-24 10:00:00",
        "gateway": "paypal",
        "transaction_id": "T-1",
        "amount": "5.00",
        "fees": "0.00",
    }

    response = while_deleting(customer.pk, lambda: http.post(url, data, follow=True))

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:invoices_invoice_changelist")
    assert "Invoice ID Not Found" in [str(m) for m in response.context["messages"]]
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("operation", ["add", "remove"])
def test_admin_manage_credits_racing_a_delete_shows_not_found(admin_user, victim, operation):
    customer, _ = victim
    http = HttpClient()
    http.force_login(admin_user)
    url = reverse(f"admin:clients_client_{operation}_credit", args=[customer.pk])
    data = {"amount": "5.00", "description": "Goodwill"}

    response = while_deleting(customer.pk, lambda: http.post(url, data, follow=True))

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("admin:clients_client_changelist")
    assert "Client ID Not Found" in [str(m) for m in response.context["messages"]]


def test_admin_add_transaction_racing_a_delete_shows_not_found(admin_user, victim):
    customer, _ = victim
    http = HttpClient()
    http.force_login(admin_user)
    url = reverse("admin:transactions_transaction_add")
    data = {
        "date_0": "2026-11-24",
        "date_1": "10:00:00",
        "client": customer.pk,
        "gateway": "paypal",
        "description": "Wire",
        "amount_in": "5.00",
        "fees": "0.00",
        "amount_out": "0.00",
    }

    response = while_deleting(customer.pk, lambda: http.post(url, data))

    # The Add form again, as typed, the refusal above it.
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "Client ID Not Found" in form.non_field_errors()
    assert (form["description"].value(), form["amount_in"].value()) == ("Wire", "5.00")
    assert not Transaction.objects.exists()
