"""Anonymise Client and Export Client Data in the admin: Quick Links, pages, permissions."""

import json

import pytest
from django.urls import reverse

from clients.models import Client, ClientDataExport, ClientEvent
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from privacy.tests.builders import MARK, build_marked_client

pytestmark = pytest.mark.django_db

BILLING = "Billing administrators"
SUPPORT = "Support staff"


def summary_url(client):
    return reverse("admin:clients_client_summary", args=[client.pk])


def anonymise_url(client):
    return reverse("admin:clients_client_anonymise", args=[client.pk])


def export_url(client):
    return reverse("admin:clients_client_export_data", args=[client.pk])


def test_billing_administrators_see_both_quick_links(staff_client):
    http = staff_client(BILLING)
    client = ClientFactory()

    page = http.get(summary_url(client)).content.decode()

    assert f'href="{anonymise_url(client)}"' in page
    assert f'href="{export_url(client)}"' in page
    assert "Data exports" in page


def test_support_staff_can_neither_anonymise_nor_export(staff_client):
    http = staff_client(SUPPORT)
    client = ClientFactory()

    page = http.get(summary_url(client)).content.decode()
    assert anonymise_url(client) not in page
    assert export_url(client) not in page
    assert "Data exports" not in page
    for url in (anonymise_url(client), export_url(client)):
        assert http.get(url).status_code == 403
        assert http.post(url, {"reason": "curious"}).status_code == 403
    assert Client.objects.get(pk=client.pk).anonymised_at is None
    assert not ClientDataExport.objects.exists()


def test_anonymise_page_says_what_is_erased_and_kept(staff_client):
    http = staff_client(BILLING)
    client = build_marked_client(http.user)

    response = http.get(anonymise_url(client))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Erased" in page and "Kept" in page
    assert "1 contacts" in page
    summary = response.context["summary"]
    assert dict(summary.retained)["invoices"] == 2  # the recent invoice and the published draft
    assert dict(summary.erased)["invoices"] == 1  # the one past retention
    assert summary.open_invoices == 3


def test_anonymise_post_anonymises_and_reports(staff_client):
    http = staff_client(BILLING)
    client = build_marked_client(http.user)

    response = http.post(anonymise_url(client), follow=True)

    assert response.redirect_chain[-1][0] == summary_url(client)
    page = response.content.decode()
    assert f"Client #{client.pk} was anonymised" in page
    assert f"Anonymised client #{client.pk}" in page
    assert MARK not in page.split('id="client-invoices"')[0]
    client.refresh_from_db()
    assert client.anonymised_at is not None
    # No second Anonymise link, and the Profile is read-only.
    assert anonymise_url(client) not in page
    change = http.get(reverse("admin:clients_client_change", args=[client.pk]))
    assert 'name="first_name"' not in change.content.decode()


def test_anonymise_refusal_for_credit_changes_nothing(staff_client):
    http = staff_client(BILLING)
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="3.00", description="Prepay", actor=None)
    events = ClientEvent.objects.count()

    response = http.post(anonymise_url(client), follow=True)

    assert "holds 3.00 USD of credit" in response.content.decode()
    assert Client.objects.get(pk=client.pk).anonymised_at is None
    assert ClientEvent.objects.count() == events


def test_anonymise_twice_says_so(staff_client):
    http = staff_client(BILLING)
    client = ClientFactory()
    http.post(anonymise_url(client))

    response = http.post(anonymise_url(client), follow=True)

    assert "already anonymised" in response.content.decode()
    assert ClientEvent.objects.filter(client=client, kind="anonymised").count() == 1


def test_anonymise_unknown_client_goes_back_to_the_list(staff_client):
    http = staff_client(BILLING)
    response = http.get(reverse("admin:clients_client_anonymise", args=[999999]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:clients_client_changelist")
    assert "doesn’t exist" in response.content.decode()


def test_delete_confirmation_offers_anonymise(staff_client):
    http = staff_client(BILLING)
    client = ClientFactory()

    page = http.get(reverse("admin:clients_client_delete_client", args=[client.pk]))

    assert f'href="{anonymise_url(client)}"' in page.content.decode()


def test_export_needs_a_reason(staff_client):
    http = staff_client(BILLING)
    client = ClientFactory()

    response = http.post(export_url(client), {"reason": "  "})

    assert response.status_code == 400
    assert "State why" in response.content.decode()
    assert not ClientDataExport.objects.exists()


def test_export_refuses_a_reason_holding_a_nul(staff_client):
    # Found by the admin fuzz test: PostgreSQL cannot store NUL, and the insert was a 500.
    http = staff_client(BILLING)
    client = ClientFactory()

    response = http.post(export_url(client), {"reason": "Access request\x00"})

    assert response.status_code == 400
    assert "NUL" in response.content.decode()
    assert not ClientDataExport.objects.exists()


def test_export_downloads_the_file_and_records_it(staff_client):
    http = staff_client(BILLING)
    client = build_marked_client(http.user)

    response = http.post(export_url(client), {"reason": "Access request by email"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert f"client-{client.pk}-data-" in response["Content-Disposition"]
    document = json.loads(b"".join(response.streaming_content))
    assert document["tables"]["clients.Client"][0]["id"] == client.pk
    record = ClientDataExport.objects.latest("pk")
    assert (record.client_id, record.reason, record.actor_user) == (
        client.pk,
        "Access request by email",
        http.user,
    )
    page = http.get(summary_url(client)).content.decode()
    assert "Access request by email" in page


def test_export_log_is_read_only(staff_client):
    http = staff_client(BILLING)
    client = ClientFactory()
    http.post(export_url(client), {"reason": "Portability request"})

    response = http.get(reverse("admin:clients_clientdataexport_changelist"))

    assert response.status_code == 200
    assert "Portability request" in response.content.decode()
    assert http.get(reverse("admin:clients_clientdataexport_add")).status_code == 403
