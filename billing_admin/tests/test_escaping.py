"""Markup typed into names, companies, notes and descriptions is shown as text on every page that
shows it, and in the API's XML answer."""

from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from api.services import credential_create
from clients.services import client_note_add, client_set_status, client_update, contact_create
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices.services import invoice_create
from transactions.tests.factories import make_transaction

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
BOLD = "<b>x</b>"
IMAGE = '<img src=x onerror="alert(2)">'
MARKUP = (SCRIPT, BOLD, IMAGE)


@pytest.fixture
def marked_up(admin_user):
    customer = ClientFactory(first_name=SCRIPT, last_name=BOLD, company_name="Acme")
    client_note_add(client_id=customer.pk, actor=admin_user, text=IMAGE, sticky=True)
    client_note_add(client_id=customer.pk, actor=admin_user, text=SCRIPT)
    contact_create(
        client_id=customer.pk,
        actor=admin_user,
        first_name=SCRIPT,
        last_name=BOLD,
        email="markup@example.com",
    )
    # A profile change: the history shows the old and new company.
    client_update(client_id=customer.pk, company_name=IMAGE, actor=admin_user)
    client_set_status(client_id=customer.pk, status="Inactive", actor=admin_user)
    add_credit(client_id=customer.pk, amount="30.00", description=SCRIPT, actor=admin_user)
    invoice = invoice_create(
        client_id=customer.pk,
        items=[{"description": BOLD, "amount": "20.00"}],
        notes=SCRIPT,
        actor=admin_user,
    )
    make_transaction(client=customer, description=IMAGE, amount_in=Decimal("5.00"))
    customer.refresh_from_db()
    return customer, invoice


def assert_shown_as_text(response):
    assert response.status_code == 200
    page = response.content.decode()
    for markup in MARKUP:
        assert markup not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


PAGES = {
    "client list": lambda c, i: reverse("admin:clients_client_changelist"),
    "client list search": lambda c, i: reverse("admin:clients_client_changelist") + f"?q={c.email}",
    "summary": lambda c, i: reverse("admin:clients_client_summary", args=[c.pk]),
    "profile": lambda c, i: reverse("admin:clients_client_change", args=[c.pk]),
    "manage credits popup": lambda c, i: (
        reverse("admin:clients_client_credits", args=[c.pk]) + "?_popup=1"
    ),
    "add credit": lambda c, i: reverse("admin:clients_client_add_credit", args=[c.pk]),
    "credit log": lambda c, i: reverse("admin:credits_creditentry_changelist"),
    "client history": lambda c, i: reverse("admin:clients_clientevent_changelist"),
    "invoice page": lambda c, i: reverse("admin:invoices_invoice_change", args=[i.pk]),
    "invoice list": lambda c, i: reverse("admin:invoices_invoice_changelist"),
    "transactions list": lambda c, i: reverse("admin:transactions_transaction_changelist"),
    "delete confirmation": lambda c, i: reverse("admin:clients_client_delete_client", args=[c.pk]),
    "close client": lambda c, i: reverse("admin:clients_client_close", args=[c.pk]),
}


@pytest.mark.parametrize("page", PAGES)
def test_markup_is_shown_as_text(admin_client, marked_up, page):
    customer, invoice = marked_up

    assert_shown_as_text(admin_client.get(PAGES[page](customer, invoice)))


def test_messages_after_a_change_show_markup_as_text(admin_client, marked_up):
    customer, _ = marked_up
    url = reverse("admin:clients_client_add_credit", args=[customer.pk])

    response = admin_client.post(url, {"description": SCRIPT, "amount": "1.00"}, follow=True)

    assert_shown_as_text(response)
    assert any(SCRIPT in str(message) for message in response.context["messages"])


def test_transaction_delete_confirmation_shows_markup_as_text(admin_client, marked_up):
    customer, _ = marked_up
    txn = customer.transactions.get()

    response = admin_client.post(
        reverse("admin:transactions_transaction_changelist"),
        {"action": "delete_selected_transactions", "_selected_action": [txn.pk]},
    )

    assert response.status_code == 200
    assert IMAGE not in response.content.decode()
    assert SCRIPT not in response.content.decode()


def test_api_xml_answer_carries_markup_as_text(client, marked_up, admin_user):
    customer, _ = marked_up
    credential, secret = credential_create(
        name="Escaping",
        user=admin_user,
        allowed_actions=["GetClientsDetails"],
        allowed_ips=["127.0.0.1"],
        actor=None,
    )

    response = client.post(
        "/includes/api.php",
        {
            "identifier": credential.identifier,
            "secret": secret,
            "action": "GetClientsDetails",
            "clientid": customer.pk,
            "responsetype": "xml",
        },
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert SCRIPT not in body and BOLD not in body
    root = ElementTree.fromstring(response.content)
    assert root.findtext("result") == "success"
    assert SCRIPT in {element.text for element in root.iter()}
