from io import StringIO

import pytest
from django.core.management import call_command

from clients.management.commands.seed_demo import CONTACT_EVERY, DEMO_CLIENT_COUNT
from clients.models import Client, ClientEvent, ClientNote, Contact
from credits.models import CreditEntry
from credits.tests.assertions import assert_credit_invariant
from invoices.models import Invoice
from transactions.models import Transaction

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_clients_in_every_status_once():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert Client.objects.count() == DEMO_CLIENT_COUNT
    statuses = set(Client.objects.values_list("status", flat=True))
    assert statuses == {"Active", "Inactive", "Closed"}
    # Statuses were set through the service, so each one has its history row.
    changed = Client.objects.exclude(status="Active").count()
    assert ClientEvent.objects.filter(kind=ClientEvent.Kind.STATUS_CHANGED).count() == changed
    assert "already loaded" in out.getvalue()


def test_seed_demo_bills_the_open_clients_with_credit_applied_and_payments():
    call_command("seed_demo", stdout=StringIO())

    open_clients = Client.objects.exclude(status="Closed")
    assert set(Invoice.objects.values_list("client_id", flat=True)) == set(
        open_clients.values_list("pk", flat=True)
    )
    assert not Invoice.objects.filter(client__status="Closed").exists()
    # The welcome credit went to the first invoice: some paid by it outright, some reduced.
    assert CreditEntry.objects.filter(kind=CreditEntry.Kind.APPLIED).exists()
    statuses = set(Invoice.objects.values_list("status", flat=True))
    assert statuses == {"Paid", "Unpaid"}
    payments = Transaction.objects.filter(invoice__isnull=False)
    assert payments.exists()
    assert all(txn.invoice.status == "Paid" for txn in payments.select_related("invoice"))
    assert_credit_invariant()


def test_seed_demo_adds_billing_contacts_and_notes_some_sticky():
    call_command("seed_demo", stdout=StringIO())

    contacts = Contact.objects.all()
    assert contacts.count() == len(range(0, DEMO_CLIENT_COUNT, CONTACT_EVERY))
    assert all(contact.is_billing_contact and contact.invoice_emails for contact in contacts)
    assert set(ClientNote.objects.values_list("sticky", flat=True)) == {True, False}
