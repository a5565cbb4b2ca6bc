"""The retention run: idle clients anonymised (or deleted without books), the rest untouched,
and the same marker scan as Anonymise."""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from clients.models import Client, ClientDeletion, ClientEvent
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit, remove_credit
from invoices.models import Invoice
from invoices.services import (
    client_close,
    client_service_create,
    invoice_create,
    payment_record,
)
from privacy.services import apply_retention, months_before, retention_plan
from privacy.tests.builders import MARK, build_marked_client, find_marker
from transactions.models import Transaction

pytestmark = pytest.mark.django_db

TOMORROW = timezone.now() + timedelta(days=1)
LONG_AGO = timezone.now() - timedelta(days=5 * 365)


def idle_client(**fields) -> Client:
    """A client untouched for years (no history, nothing attached)."""
    client = ClientFactory(status=Client.Status.INACTIVE, **fields)
    Client.objects.filter(pk=client.pk).update(updated_at=LONG_AGO)
    return client


@pytest.fixture
def closed_marked_client(admin_user):
    client = build_marked_client(admin_user)
    client_close(client_id=client.pk, actor=admin_user)
    return client


def test_apply_retention_leaves_markers_only_in_snapshots_within_retention(
    closed_marked_client, settings
):
    settings.INVOICE_RETENTION_YEARS = 10

    run = apply_retention(inactive_since=TOMORROW)

    assert run.anonymised == [closed_marked_client.pk]
    hits = find_marker()
    assert hits
    assert {table for table, _, _ in hits} <= {
        "invoices_invoice",
        "transactions_transaction",
        "transactions_transactiondeletion",
    }


def test_apply_retention_with_zero_retention_leaves_no_marker(closed_marked_client, settings):
    settings.INVOICE_RETENTION_YEARS = 0

    apply_retention(inactive_since=TOMORROW)

    assert find_marker() == []


def test_apply_retention_deletes_clients_without_books_leaving_no_identity():
    client = idle_client(first_name=f"{MARK}first", email=f"{MARK}@example.com")

    run = apply_retention(inactive_since=timezone.now() - timedelta(days=30))

    assert run.deleted == [client.pk]
    assert not Client.objects.filter(pk=client.pk).exists()
    record = ClientDeletion.objects.get(client_id=client.pk)
    assert record.client_name == f"Anonymised client #{client.pk}"
    assert find_marker() == []


def test_apply_retention_never_touches_clients_still_in_use(admin_user):
    since = timezone.now() - timedelta(days=30)
    active = ClientFactory(status=Client.Status.ACTIVE)
    Client.objects.filter(pk=active.pk).update(updated_at=LONG_AGO)
    with_credit = idle_client()
    add_credit(client_id=with_credit.pk, amount="1.00", description="Prepay", actor=None)
    Client.objects.filter(pk=with_credit.pk).update(updated_at=LONG_AGO)
    with_open_invoice = idle_client()
    invoice_create(
        client_id=with_open_invoice.pk, actor=None, items=[{"description": "x", "amount": "1.00"}]
    )
    Client.objects.filter(pk=with_open_invoice.pk).update(updated_at=LONG_AGO)
    with_service = idle_client()
    client_service_create(
        client_id=with_service.pk, actor=None, product_name="VPS", status="Suspended"
    )
    recently_paid = idle_client()
    Transaction.objects.create(
        client=recently_paid, gateway="paypal", currency="USD", actor_label="x", client_name="x"
    )
    recently_edited = idle_client()
    ClientEvent.objects.create(client=recently_edited, kind="profile_changed", actor_label="x")

    run = apply_retention(inactive_since=since)

    assert run.selected == 0
    assert Client.objects.filter(anonymised_at__isnull=False).count() == 0
    assert Client.objects.count() == 6


def test_apply_retention_rerun_changes_nothing(closed_marked_client):
    apply_retention(inactive_since=TOMORROW)
    events = ClientEvent.objects.count()

    run = apply_retention(inactive_since=TOMORROW)

    assert run.selected == 0
    assert ClientEvent.objects.count() == events


def test_apply_retention_works_in_batches(django_assert_max_num_queries):
    clients = [idle_client() for _ in range(5)]
    seen = []

    run = apply_retention(
        inactive_since=timezone.now() - timedelta(days=30),
        batch_size=2,
        on_batch=lambda r: seen.append(r.batches_done),
    )

    assert seen == [1, 2, 3]
    assert sorted(run.deleted) == sorted(c.pk for c in clients)


def test_retention_plan_splits_anonymise_and_delete(closed_marked_client):
    bare = idle_client()

    anonymise, delete = retention_plan(inactive_since=TOMORROW)

    assert anonymise == [closed_marked_client.pk]
    assert delete == [bare.pk]


def test_months_before_clamps_to_the_month_end():
    moment = timezone.make_aware(datetime(2026, 3, 31, 12, 0))
    assert months_before(moment, 1).date().isoformat() == "2026-02-28"
    assert months_before(moment, 15).date().isoformat() == "2024-12-31"


# ---- the command ------------------------------------------------------------------------------


def test_apply_retention_command_is_disabled_without_the_setting(settings):
    settings.RETENTION_INACTIVE_MONTHS = None
    idle_client()
    out = StringIO()
    call_command("apply_retention", stdout=out, stderr=StringIO())
    assert "Retention is disabled" in out.getvalue()
    assert Client.objects.count() == 1


def test_apply_retention_command_dry_run_lists_and_changes_nothing(settings):
    settings.RETENTION_INACTIVE_MONTHS = 12
    client = idle_client()
    out = StringIO()

    call_command("apply_retention", "--dry-run", stdout=out, stderr=StringIO())

    assert f"would delete #{client.pk}" in out.getvalue()
    assert "would anonymise 0 and delete 1 clients" in out.getvalue()
    assert Client.objects.filter(pk=client.pk, anonymised_at__isnull=True).exists()


def test_apply_retention_command_runs_and_summarises(settings):
    settings.RETENTION_INACTIVE_MONTHS = 12
    idle_client()
    fresh = ClientFactory(status=Client.Status.INACTIVE)
    out, err = StringIO(), StringIO()

    call_command("apply_retention", "--batch-size", "1", stdout=out, stderr=err)

    assert "Anonymised 0 and deleted 1 clients" in out.getvalue()
    assert "batch 1: 0 anonymised, 1 deleted so far" in err.getvalue()
    assert list(Client.objects.values_list("pk", flat=True)) == [fresh.pk]


@pytest.mark.parametrize(("retention_years", "snapshots_kept"), [(10, True), (0, False)])
def test_apply_retention_command_passes_the_marker_scan(
    closed_marked_client, settings, retention_years, snapshots_kept
):
    """The command as cron runs it: with RETENTION_INACTIVE_MONTHS=0 the client closed just now
    is due, and only snapshots still inside INVOICE_RETENTION_YEARS keep a marker."""
    settings.RETENTION_INACTIVE_MONTHS = 0
    settings.INVOICE_RETENTION_YEARS = retention_years
    out = StringIO()

    call_command("apply_retention", stdout=out, stderr=StringIO())

    assert "Anonymised 1 and deleted 0 clients" in out.getvalue()
    assert Client.objects.get(pk=closed_marked_client.pk).anonymised_at is not None
    tables = {table for table, _, _ in find_marker()}
    if snapshots_kept:
        assert tables and tables <= {
            "invoices_invoice",
            "transactions_transaction",
            "transactions_transactiondeletion",
        }
    else:
        assert tables == set()


def _idle_but(recent: bool, *, kind: str) -> Client:
    """An Inactive client whose only change since LONG_AGO, when ``recent``, is a zero-sum credit
    movement (kind "credit") or a paid invoice (kind "invoice"); otherwise all of it is old."""
    client = idle_client()
    if kind == "credit":
        add_credit(client_id=client.pk, amount="4.00", description="Prepay", actor=None)
        remove_credit(client_id=client.pk, amount="4.00", description="Refunded", actor=None)
        if not recent:
            CreditEntry.objects.filter(client=client).update(created_at=LONG_AGO)
    else:
        invoice = invoice_create(
            client_id=client.pk, actor=None, items=[{"description": "x", "amount": "3.00"}]
        )
        payment_record(invoice_id=invoice.pk, gateway="bank", actor=None)
        Transaction.objects.filter(client=client).update(date=LONG_AGO)
        if not recent:
            Invoice.objects.filter(client=client).update(updated_at=LONG_AGO)
    ClientEvent.objects.filter(client=client).delete()
    Client.objects.filter(pk=client.pk).update(updated_at=LONG_AGO)
    return client


@pytest.mark.parametrize("kind", ["credit", "invoice"])
def test_apply_retention_skips_a_recent_credit_movement_or_invoice_change(kind):
    since = timezone.now() - timedelta(days=30)
    recent = _idle_but(True, kind=kind)
    old = _idle_but(False, kind=kind)  # the same history, all of it old: taken

    anonymise, delete = retention_plan(inactive_since=since)

    assert recent.pk not in [*anonymise, *delete]
    assert old.pk in (anonymise if kind == "invoice" else delete)
    apply_retention(inactive_since=since)
    assert Client.objects.get(pk=recent.pk).anonymised_at is None
