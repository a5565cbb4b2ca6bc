from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from billing_admin.tests.threads import run_at_once_or_raise
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from invoices import services
from invoices.models import Invoice, InvoiceItem
from invoices.tests.factories import ClientServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date(2026, 11, 24)


def test_two_generation_runs_at_once_bill_and_credit_once():
    clients = ClientFactory.create_batch(6)
    for client in clients:
        ClientServiceFactory.create_batch(2, client=client)
        add_credit(client_id=client.pk, amount="15.00", description="Prepay", actor=None)

    run_at_once_or_raise(*[lambda: services.invoices_generate(today=TODAY, batch_size=2)] * 2)

    assert Invoice.objects.count() == 6
    assert InvoiceItem.objects.count() == 12
    assert CreditEntry.objects.filter(kind=CreditEntry.Kind.APPLIED).count() == 6
    for client in clients:
        client.refresh_from_db()
        assert client.credit_balance == Decimal("0.00")
        assert client.invoices.get().balance_due == Decimal("5.00")


def test_manual_credit_and_generation_at_once_never_overspend():
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="25.00", description="Prepay", actor=None)
    manual = services.invoice_create(
        client_id=client.pk, items=[{"description": "Setup", "amount": "20.00"}], actor=None
    )
    ClientServiceFactory(client=client, recurring_amount="20.00")

    run_at_once_or_raise(
        lambda: services.invoice_apply_credit(invoice_id=manual.pk, actor=None),
        lambda: services.invoices_generate(today=TODAY),
    )

    client.refresh_from_db()
    applied = Invoice.objects.filter(client=client).aggregate(total=Sum("credit_applied"))
    assert applied["total"] == Decimal("25.00")
    assert client.credit_balance == Decimal("0.00")
    logged = client.credit_entries.aggregate(total=Sum("amount"))["total"]
    assert logged == client.credit_balance
