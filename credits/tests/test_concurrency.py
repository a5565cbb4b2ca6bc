"""Many connections working on one client at once: the row lock must serialise them exactly."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum

from billing_admin.tests.threads import run_at_once
from clients.models import ClientEvent
from credits import services
from credits.models import CreditEntry
from credits.tests.assertions import assert_credit_invariant
from credits.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
OPERATIONS_PER_THREAD = 10


def test_concurrent_adds_and_removes_lose_no_update():
    customer = ClientFactory()
    services.add_credit(client_id=customer.pk, amount="100.00", description="seed", actor=None)

    def adder():
        for _ in range(OPERATIONS_PER_THREAD):
            services.add_credit(client_id=customer.pk, amount="1.25", description="in", actor=None)

    def remover():
        for _ in range(OPERATIONS_PER_THREAD):
            services.remove_credit(
                client_id=customer.pk, amount="0.50", description="out", actor=None
            )

    results = run_at_once(*[adder, remover] * (THREADS // 2))

    assert results == [None] * THREADS
    customer.refresh_from_db()
    per_kind = THREADS // 2 * OPERATIONS_PER_THREAD
    assert customer.credit_balance == Decimal("100.00") + per_kind * Decimal("0.75")
    assert customer.credit_entries.filter(kind=CreditEntry.Kind.ADDED).count() == per_kind + 1
    assert customer.credit_entries.filter(kind=CreditEntry.Kind.REMOVED).count() == per_kind
    assert_credit_invariant()


def test_concurrent_removals_never_overdraw():
    customer = ClientFactory()
    services.add_credit(client_id=customer.pk, amount="10.00", description="seed", actor=None)

    def remove_two():
        return services.remove_credit(
            client_id=customer.pk, amount="2.00", description="out", actor=None
        )

    results = run_at_once(*[remove_two] * 10)

    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 5
    assert all(isinstance(r, CreditEntry) for r in results if r not in refused)
    customer.refresh_from_db()
    assert customer.credit_balance == Decimal("0.00")
    assert customer.credit_entries.filter(kind=CreditEntry.Kind.REMOVED).count() == 5
    assert_credit_invariant()


def test_manual_adjustments_racing_credit_changes_keep_the_ledger_exact():
    customer = ClientFactory()
    services.add_credit(client_id=customer.pk, amount="50.00", description="seed", actor=None)

    def adder():
        for _ in range(OPERATIONS_PER_THREAD):
            services.add_credit(client_id=customer.pk, amount="1.00", description="in", actor=None)

    def remover():
        for _ in range(OPERATIONS_PER_THREAD):
            services.remove_credit(
                client_id=customer.pk, amount="0.10", description="out", actor=None
            )

    def adjuster():
        for n in range(OPERATIONS_PER_THREAD):
            services.adjust_balance(client_id=customer.pk, new_balance=f"{40 + n}.00", actor=None)

    results = run_at_once(*[adder, remover, adjuster] * 3)

    assert results == [None] * 9
    customer.refresh_from_db()
    entries = customer.credit_entries.aggregate(total=Sum("amount"))["total"]
    adjustments = customer.events.filter(kind=ClientEvent.Kind.BALANCE_ADJUSTED)
    deltas = adjustments.aggregate(total=Sum("balance_delta"))["total"] or Decimal("0.00")
    # Every add and remove landed, and each adjustment saw the balance the others left.
    assert entries == Decimal("50.00") + 3 * OPERATIONS_PER_THREAD * Decimal("0.90")
    assert customer.credit_entries.count() == 1 + 6 * OPERATIONS_PER_THREAD
    assert customer.credit_balance == entries + deltas
    assert_credit_invariant()


def test_a_form_submitted_twice_at_once_records_one_entry():
    customer = ClientFactory()

    def submit():
        return services.add_credit(
            client_id=customer.pk,
            amount="5.00",
            description="double click",
            request_key="0b7e4a9e-4a5c-4c8e-8f0e-5d1b2c3d4e5f",
            actor=None,
        )

    results = run_at_once(*[submit] * 4)

    assert len({entry.pk for entry in results}) == 1
    customer.refresh_from_db()
    assert customer.credit_balance == Decimal("5.00")
    assert customer.credit_entries.count() == 1
