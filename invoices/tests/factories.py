"""Factories for invoices. Invoices are made through the services (invoice_create,
invoices_generate), so the only factory here is for the services a client holds."""

from datetime import date
from decimal import Decimal

import factory

from clients.tests.factories import ClientFactory
from invoices.models import ClientService


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
