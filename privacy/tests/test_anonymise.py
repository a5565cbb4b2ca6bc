"""Anonymising: every personal value erased, the books kept (snapshots within retention), by the
registry. The marker scan reads every text column of every table in the database."""

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ValidationError

from billing_admin.personal_data import holders
from clients.models import Client, ClientEvent
from credits.services import add_credit
from invoices.models import ClientService, Invoice
from privacy.services import client_anonymise
from privacy.tests.builders import MARK, build_marked_client, find_marker
from transactions.models import Transaction, TransactionDeletion

pytestmark = pytest.mark.django_db

# Snapshot columns: a marker may survive only here, and only on rows inside retention.
SNAPSHOT_TABLES = {
    Invoice._meta.db_table,
    Transaction._meta.db_table,
    TransactionDeletion._meta.db_table,
}


@pytest.fixture
def staff(admin_user):
    return admin_user


@pytest.fixture
def marked_client(staff):
    return build_marked_client(staff)


def test_builder_plants_a_marker_in_every_declared_personal_column(marked_client):
    """Guards the scan below: a declared personal column the builder leaves empty would pass
    it without proving anything."""
    missing = []
    for model, holder in holders().items():
        for name in holder.erase:
            rows = holder.erasable_rows([marked_client.pk]).filter(**{f"{name}__icontains": MARK})
            if not rows.exists():
                missing.append(f"{model._meta.label}.{name}")
    assert missing == []


def test_client_anonymise_leaves_markers_only_in_snapshots_within_retention(
    marked_client, staff, settings
):
    settings.INVOICE_RETENTION_YEARS = 10
    recent_invoices = set(
        Invoice.objects.filter(client=marked_client, date__year__gte=2020).values_list("pk")
    )
    assert find_marker()

    event = client_anonymise(client_id=marked_client.pk, actor=staff)

    hits = find_marker()
    assert {table for table, _, _ in hits} <= SNAPSHOT_TABLES, hits
    invoice_hits = {int(pk) for table, _, pk in hits if table == Invoice._meta.db_table}
    assert invoice_hits == {pk for (pk,) in recent_invoices}
    txn_hits = {int(pk) for table, _, pk in hits if table == Transaction._meta.db_table}
    assert txn_hits == set(
        Transaction.objects.filter(client=marked_client, date__year__gte=2020).values_list(
            "pk", flat=True
        )
    )
    assert event.kind == ClientEvent.Kind.ANONYMISED
    assert event.actor_label == staff.username
    assert MARK not in f"{event.old_value}{event.new_value}{event.field}"


def test_client_anonymise_with_zero_retention_leaves_no_marker(marked_client, staff, settings):
    settings.INVOICE_RETENTION_YEARS = 0

    client_anonymise(client_id=marked_client.pk, actor=staff)

    assert find_marker() == []


def test_client_anonymise_keeps_the_books_and_closes_the_client(marked_client, staff):
    invoices_before = list(
        Invoice.objects.filter(client=marked_client).order_by("pk").values_list("pk", "total")
    )
    txns_before = list(
        Transaction.objects.filter(client=marked_client)
        .order_by("pk")
        .values_list("pk", "amount_in", "date")
    )
    entries_before = list(marked_client.credit_entries.order_by("pk").values("amount", "kind"))

    client_anonymise(client_id=marked_client.pk, actor=staff)

    client = Client.objects.get(pk=marked_client.pk)
    assert client.status == Client.Status.CLOSED
    assert client.anonymised_at is not None
    assert client.full_name == f"Anonymised client #{client.pk}"
    assert client.email == f"client-{client.pk}@anonymised.invalid"
    assert (
        list(Invoice.objects.filter(client=client).order_by("pk").values_list("pk", "total"))
        == invoices_before
    )
    assert not Invoice.objects.filter(client=client, status__in=["Unpaid", "Draft"]).exists()
    assert not ClientService.objects.filter(client=client, status="Active").exists()
    assert (
        list(
            Transaction.objects.filter(client=client)
            .order_by("pk")
            .values_list("pk", "amount_in", "date")
        )
        == txns_before
    )
    assert list(client.credit_entries.order_by("pk").values("amount", "kind")) == entries_before
    assert LogEntry.objects.get(object_id=str(client.pk)).object_repr == (
        f"Anonymised client #{client.pk}"
    )


def test_client_anonymise_twice_is_refused_and_changes_nothing(marked_client, staff):
    client_anonymise(client_id=marked_client.pk, actor=staff)
    events = ClientEvent.objects.count()

    with pytest.raises(ValidationError, match="already anonymised"):
        client_anonymise(client_id=marked_client.pk, actor=staff)

    assert ClientEvent.objects.count() == events


def test_client_anonymise_refuses_a_client_with_credit(marked_client, staff):
    add_credit(client_id=marked_client.pk, amount="5.00", description="Prepay", actor=staff)

    with pytest.raises(ValidationError, match="5.00 EUR of credit"):
        client_anonymise(client_id=marked_client.pk, actor=staff)

    client = Client.objects.get(pk=marked_client.pk)
    assert client.anonymised_at is None
    assert client.first_name == marked_client.first_name
    assert client.status == marked_client.status
    assert Invoice.objects.filter(client=client, status="Unpaid").exists()


def test_client_anonymise_unknown_client(staff):
    with pytest.raises(ValidationError, match="Client #999999 does not exist"):
        client_anonymise(client_id=999999, actor=staff)
