from decimal import Decimal

import pytest
from django.urls import reverse

from clients.tests.factories import ClientFactory
from credits.services import add_credit, adjust_balance
from invoices.services import invoice_create

pytestmark = pytest.mark.django_db


def test_summary_view_shows_client_and_quick_links(admin_client):
    client = ClientFactory()

    response = admin_client.get(reverse("admin:clients_client_summary", args=[client.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert client.email in content
    assert "Edit Profile" in content
    assert "Send Welcome Email again" in content


def test_every_amount_on_the_summary_carries_its_currency(admin_client):
    client = ClientFactory(currency="EUR")
    add_credit(client_id=client.pk, amount="7.00", description="Goodwill", actor=None)
    invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": Decimal("40")}], actor=None
    )

    page = admin_client.get(reverse("admin:clients_client_summary", args=[client.pk]))
    html = page.content.decode()

    invoices = html[html.index('id="client-invoices"') :]
    assert '<td class="money">40.00 EUR</td>' in invoices  # total and balance due
    assert '<td class="money">7.00 EUR</td>' in html  # the credit entry


def test_history_shows_field_labels_and_amounts_with_currency(admin_client):
    client = ClientFactory(currency="GBP")
    adjust_balance(client_id=client.pk, new_balance="12.00", actor=None)

    for url_name in ("admin:clients_client_summary", "admin:clients_client_change"):
        html = admin_client.get(reverse(url_name, args=[client.pk])).content.decode()
        history = html[html.index('id="client-history"') :]
        assert "<td>Credit balance</td>" in history
        assert "credit_balance" not in history
        assert "12.00 GBP" in history
    listing = admin_client.get(
        reverse("admin:clients_clientevent_changelist"), {"client": client.pk}
    ).content.decode()
    assert "Credit balance" in listing
