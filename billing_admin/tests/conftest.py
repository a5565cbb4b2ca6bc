"""Fixtures for the project-wide security tests: staff in each role, and a client with money state
built through the real services."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import Client as HttpClient

from clients.services import client_note_add
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices.services import invoice_create
from transactions.tests.factories import make_transaction

BILLING_ADMINISTRATORS = "Billing administrators"
SUPPORT_STAFF = "Support staff"
ROLES = ("superuser", "billing", "support", "nogroup")


@pytest.fixture
def login(staff_in_group):
    """``login("support")`` -> a test client logged in as a fresh staff user in that role."""
    groups = {"billing": BILLING_ADMINISTRATORS, "support": SUPPORT_STAFF}

    def log_in(role: str, *, enforce_csrf_checks: bool = False) -> HttpClient:
        user = staff_in_group(groups.get(role), username=f"{role}-user")
        if role == "superuser":
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        http = HttpClient(enforce_csrf_checks=enforce_csrf_checks)
        http.force_login(user)
        http.user = user
        return http

    return log_in


@pytest.fixture
def world():
    """A client with 50.00 credit, an unpaid 20.00 invoice, a 10.00 transaction and a note
    written by the system (so by none of the staff roles)."""
    customer = ClientFactory(currency="USD")
    entry = add_credit(client_id=customer.pk, amount="50.00", description="Seed", actor=None)
    invoice = invoice_create(
        client_id=customer.pk, items=[{"description": "Hosting", "amount": "20.00"}], actor=None
    )
    txn = make_transaction(client=customer, amount_in=Decimal("10.00"))
    note = client_note_add(client_id=customer.pk, actor=None, text="Seed note")
    return SimpleNamespace(client=customer, entry=entry, invoice=invoice, txn=txn, note=note)
