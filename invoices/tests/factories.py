"""Factories for invoices. Invoices are made through the services (invoice_create,
invoices_generate), so make_invoice calls invoice_create; services a client holds have a model
factory."""

from datetime import date
from decimal import Decimal

import factory

from clients.tests.factories import ClientFactory
from invoices.models import ClientService, Invoice
from invoices.services import invoice_create


class ClientServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientService

    client = factory.SubFactory(ClientFactory)
    product_name = factory.Sequence(lambda n: f"Shared Hosting {n}")
    status = ClientService.Status.ACTIVE
    billing_cycle = ClientService.BillingCycle.MONTHLY
    recurring_amount = Decimal("10.00")
    registration_date = factory.LazyAttribute(lambda service: service.next_due_date or date.today())
    next_due_date = date(2026, 11, 24)


def make_invoice(
    client=None,
    *,
    amount: str = "30.00",
    amounts: tuple[str, ...] | None = None,
    actor=None,
    **kwargs,
) -> Invoice:
    """An invoice made by invoice_create: one "Hosting" line of ``amount``, or a line for each
    of ``amounts``, for ``client`` (a new one if None). ``kwargs`` go to invoice_create
    (status, due_date, auto_apply_credit, ...)."""
    client = client or ClientFactory()
    items = [{"description": "Hosting", "amount": line} for line in amounts or (amount,)]
    return invoice_create(client_id=client.pk, items=items, actor=actor, **kwargs)
