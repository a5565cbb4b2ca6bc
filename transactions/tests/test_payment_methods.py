"""Payment methods: stored by module name everywhere, shown by display name."""

import importlib

import pytest
from django.apps import apps
from django.test import override_settings
from django.urls import reverse

from clients.tests.factories import ClientFactory
from invoices.models import Invoice
from invoices.services import invoice_create, payment_record
from transactions.models import Transaction
from transactions.payment_methods import payment_method_module, payment_method_name
from transactions.tests.factories import make_transaction

pytestmark = pytest.mark.django_db
METHODS = {"banktransfer": "Bank Transfer", "paypal": "PayPal"}


@override_settings(PAYMENT_METHODS=METHODS)
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("banktransfer", "banktransfer"),
        ("Bank Transfer", "banktransfer"),
        (" bank transfer ", "banktransfer"),
        ("PAYPAL", "paypal"),
        ("stripe", "stripe"),  # not configured: kept as given
    ],
)
def test_payment_method_module_turns_display_names_into_module_names(given, stored):
    assert payment_method_module(given) == stored


@override_settings(PAYMENT_METHODS=METHODS)
def test_payment_method_name_shows_the_display_name():
    assert payment_method_name("banktransfer") == "Bank Transfer"
    assert payment_method_name("stripe") == "stripe"


@override_settings(PAYMENT_METHODS=METHODS)
def test_transaction_create_and_invoice_create_store_the_module_name():
    client = ClientFactory()
    txn = make_transaction(client=client, gateway="Bank Transfer")
    invoice = invoice_create(
        client_id=client.pk,
        items=[{"description": "x", "amount": "1.00"}],
        payment_method="PayPal",
        actor=None,
    )

    txn.refresh_from_db()
    invoice.refresh_from_db()
    assert (txn.gateway, invoice.payment_method) == ("banktransfer", "paypal")


@override_settings(PAYMENT_METHODS=METHODS)
def test_data_migration_fixes_rows_stored_by_display_name_and_the_filter_lists_each_once(
    admin_client,
):
    client = ClientFactory()
    old = make_transaction(client=client, gateway="banktransfer")
    make_transaction(client=client, gateway="banktransfer")
    # As the demo data once stored it, past the service.
    Transaction.objects.filter(pk=old.pk).update(gateway="Bank Transfer")
    migration = importlib.import_module("transactions.migrations.0008_payment_method_module_names")

    migration.display_names_to_modules(apps, None)

    assert set(Transaction.objects.values_list("gateway", flat=True)) == {"banktransfer"}
    response = admin_client.get(reverse("admin:transactions_transaction_changelist"))
    gateway_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.parameter_name == "gateway"
    )
    choices = [choice["display"] for choice in gateway_filter.choices(response.context["cl"])]
    assert choices == ["All", "Bank Transfer"]


@override_settings(PAYMENT_METHODS=METHODS)
def test_data_migration_fixes_invoices_stored_by_display_name():
    client = ClientFactory()
    items = [{"description": "x", "amount": "1.00"}]
    by_name, unknown = (
        invoice_create(client_id=client.pk, items=items, payment_method="paypal", actor=None)
        for _ in range(2)
    )
    # As the demo data once stored it, past the service; an unconfigured method is kept.
    Invoice.objects.filter(pk=by_name.pk).update(payment_method="PayPal")
    Invoice.objects.filter(pk=unknown.pk).update(payment_method="stripe")
    migration = importlib.import_module("invoices.migrations.0008_payment_method_module_names")

    migration.display_names_to_modules(apps, None)

    assert dict(Invoice.objects.values_list("pk", "payment_method")) == {
        by_name.pk: "paypal",
        unknown.pk: "stripe",
    }


@override_settings(PAYMENT_METHODS=METHODS)
def test_pages_show_a_payment_by_its_display_name(admin_client):
    client = ClientFactory()
    invoice = invoice_create(
        client_id=client.pk,
        items=[{"description": "Hosting", "amount": "10.00"}],
        payment_method="paypal",
        actor=None,
    )
    txn = payment_record(invoice_id=invoice.pk, gateway="banktransfer", actor=None)

    invoice_page = admin_client.get(
        reverse("admin:invoices_invoice_change", args=[invoice.pk])
    ).content.decode()
    confirmation = admin_client.post(
        reverse("admin:transactions_transaction_changelist"),
        {"action": "delete_selected_transactions", "_selected_action": [txn.pk]},
    ).content.decode()

    assert "<th>Payment method</th><td>PayPal</td>" in invoice_page
    assert "<td>Bank Transfer</td>" in invoice_page
    assert "<td>banktransfer</td>" not in invoice_page
    assert " Bank Transfer (no ID): " in confirmation
