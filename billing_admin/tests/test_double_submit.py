"""The admin's money forms refuse a double submit: each rendered form carries a request key,
and a second submit of the same form moves no money (Manage Credits has its own test)."""

import pytest
from django.urls import reverse

from billing_admin.tests.snapshots import billing_state
from credits.services import add_credit

pytestmark = pytest.mark.django_db

FORMS = {
    "apply_credit": {"amount": "5.00"},
    "remove_credit": {"amount": "5.00"},
    "add_payment": {
        "date": "2026-11-24 10:00:00",
        "gateway": "paypal",
        "transaction_id": "T-1",
        "amount": "5.00",
        "fees": "0",
    },
}


@pytest.mark.parametrize("name", FORMS)
def test_an_invoice_money_form_submitted_twice_moves_money_once(admin_client, world, name):
    invoice_url = reverse("admin:invoices_invoice_change", args=[world.invoice.pk])
    if name == "remove_credit":
        admin_client.post(
            reverse("admin:invoices_invoice_apply_credit", args=[world.invoice.pk]),
            {"amount": "10.00"},
        )
    page = admin_client.get(invoice_url)
    key = str(page.context["forms"][name]["request_key"].value())
    assert f'name="request_key" value="{key}"' in page.content.decode()
    url = reverse(f"admin:invoices_invoice_{name}", args=[world.invoice.pk])
    data = {**FORMS[name], "request_key": key}

    first = admin_client.post(url, data)
    after_first = billing_state()
    second = admin_client.post(url, data)

    assert first.status_code == second.status_code == 302
    assert billing_state() == after_first


def test_a_request_key_reused_for_another_change_is_refused(admin_client, world):
    add_credit(client_id=world.client.pk, amount="5.00", description="More", actor=None)
    url = reverse("admin:invoices_invoice_apply_credit", args=[world.invoice.pk])
    key = "7b0c1c4e-2f7e-4a43-9d0e-1f7a8f0c2b11"
    admin_client.post(url, {"amount": "5.00", "request_key": key})
    before = billing_state()

    response = admin_client.post(
        reverse("admin:invoices_invoice_remove_credit", args=[world.invoice.pk]),
        {"amount": "5.00", "request_key": key},
    )

    assert response.status_code == 200
    assert "already used" in response.content.decode()
    assert billing_state() == before
