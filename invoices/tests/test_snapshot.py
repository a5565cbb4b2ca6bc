"""Invoices keep the identity they were issued to: the client's details, and its billing
contact's, copied when the invoice is issued."""

import importlib
from datetime import date

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

from clients.services import client_update, contact_create
from clients.tests.factories import ClientFactory
from invoices.models import Invoice
from invoices.services import invoice_create, invoice_update, invoices_generate
from invoices.tests.factories import ClientServiceFactory

pytestmark = pytest.mark.django_db
ITEMS = [{"description": "Hosting", "amount": "10.00"}]
SNAPSHOT_TEXT_FIELDS = [
    f.name
    for f in Invoice._meta.fields
    if f.name.startswith("billed_") and f.name != "billed_tax_exempt"
]


def test_invoice_create_copies_the_clients_identity():
    client = ClientFactory(company_name="Engines Ltd", tax_exempt=True)
    contact_create(
        client_id=client.pk,
        actor=None,
        first_name="Bill",
        last_name="Payer",
        email="bills@example.com",
        is_billing_contact=True,
    )

    invoice = invoice_create(client_id=client.pk, actor=None, items=ITEMS)

    assert (invoice.billed_first_name, invoice.billed_last_name) == (
        client.first_name,
        client.last_name,
    )
    assert invoice.billed_company == "Engines Ltd"
    assert invoice.billed_email == client.email
    assert invoice.billed_address1 == client.address1
    assert invoice.billed_country == client.country
    assert invoice.billed_tax_exempt is True
    assert (invoice.billed_contact_name, invoice.billed_contact_email) == (
        "Bill Payer",
        "bills@example.com",
    )


def test_invoice_keeps_its_snapshot_when_the_client_changes():
    client = ClientFactory(city="London")
    invoice = invoice_create(client_id=client.pk, actor=None, items=ITEMS)

    client_update(client_id=client.pk, actor=None, city="Paris", last_name="Byron")

    invoice.refresh_from_db()
    assert invoice.billed_city == "London"
    assert invoice.billed_last_name == client.last_name


def test_publishing_a_draft_takes_the_identity_of_that_moment():
    client = ClientFactory(city="London")
    draft = invoice_create(client_id=client.pk, actor=None, items=ITEMS, status="Draft")
    client_update(client_id=client.pk, actor=None, city="Paris")

    invoice_update(invoice_id=draft.pk, actor=None, publish=True)

    draft.refresh_from_db()
    assert draft.billed_city == "Paris"


def test_generated_invoices_carry_the_snapshot():
    service = ClientServiceFactory(client__company_name="Tab\tCo\\N")
    contact_create(
        client_id=service.client_id,
        actor=None,
        first_name="Ann",
        email="ann@example.com",
        is_billing_contact=True,
    )

    invoices_generate(today=date(2026, 11, 20))

    invoice = Invoice.objects.get()
    assert invoice.billed_company == "Tab\tCo\\N"
    assert invoice.billed_email == service.client.email
    assert invoice.billed_contact_name == "Ann"


def test_invoice_page_list_and_api_show_the_snapshot(admin_client):
    client = ClientFactory(first_name="Ada", last_name="Lovelace", company_name="")
    invoice = invoice_create(client_id=client.pk, actor=None, items=ITEMS)
    client_update(client_id=client.pk, actor=None, last_name="King")

    page = admin_client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    listing = admin_client.get(reverse("admin:invoices_invoice_changelist"))

    assert "Ada Lovelace" in page.content.decode()
    assert "Ada Lovelace" in listing.content.decode()
    assert "Ada King" not in listing.content.decode()


def test_invoice_page_shows_the_whole_snapshot_not_todays_client(admin_client):
    client = ClientFactory(
        first_name="Ada",
        last_name="Lovelace",
        company_name="Engines Ltd",
        email="ada@example.com",
        address1="12 St James's Square",
        city="London",
        postcode="SW1Y 4JH",
        tax_exempt=True,
    )
    contact_create(
        client_id=client.pk,
        actor=None,
        first_name="Bill",
        last_name="Payer",
        email="bills@example.com",
        is_billing_contact=True,
    )
    invoice = invoice_create(client_id=client.pk, actor=None, items=ITEMS)
    client_update(
        client_id=client.pk,
        actor=None,
        company_name="Analytical Co",
        email="countess@example.com",
        address1="1 New Road",
        city="Paris",
        tax_exempt=False,
    )

    page = admin_client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))

    billed_to = page.content.decode().split('id="billed-to"')[1].split("</section>")[0]
    for text in (
        "Engines Ltd",
        "ada@example.com",
        "12 St James&#x27;s Square",
        "London",
        "SW1Y 4JH",
        "Exempt",
        "Bill Payer &lt;bills@example.com&gt;",
    ):
        assert text in billed_to
    for text in ("Analytical Co", "countess@example.com", "New Road", "Paris"):
        assert text not in billed_to


def test_migration_fills_existing_invoices_from_todays_client_and_billing_contact():
    migration = importlib.import_module("invoices.migrations.0009_invoice_identity_snapshot")
    client = ClientFactory(company_name="Engines Ltd", city="London", tax_exempt=True)
    contact_create(
        client_id=client.pk,
        actor=None,
        first_name="Bill",
        last_name="Payer",
        email="bills@example.com",
        is_billing_contact=True,
    )
    bare = ClientFactory()
    invoices = [
        invoice_create(client_id=owner.pk, actor=None, items=ITEMS) for owner in (client, bare)
    ]
    blank = {name: "" for name in SNAPSHOT_TEXT_FIELDS}
    Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(billed_tax_exempt=False, **blank)

    with connection.schema_editor() as editor:
        migration.fill_snapshots(apps, editor)

    filled = Invoice.objects.get(pk=invoices[0].pk)
    assert (filled.billed_first_name, filled.billed_last_name) == (
        client.first_name,
        client.last_name,
    )
    assert (filled.billed_company, filled.billed_email, filled.billed_city) == (
        "Engines Ltd",
        client.email,
        "London",
    )
    assert (filled.billed_address1, filled.billed_country) == (client.address1, client.country)
    assert filled.billed_tax_exempt is True
    assert (filled.billed_contact_name, filled.billed_contact_email) == (
        "Bill Payer",
        "bills@example.com",
    )
    without_contact = Invoice.objects.get(pk=invoices[1].pk)
    assert without_contact.billed_email == bare.email
    assert (without_contact.billed_contact_name, without_contact.billed_contact_email) == ("", "")
