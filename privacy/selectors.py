"""Reads for data protection: what anonymising would erase and keep, which clients the retention
run takes, and the rows of a client's data export."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from billing_admin.personal_data import Holder, holders
from clients.models import Client, ClientEvent
from credits.models import CreditEntry
from invoices.models import ClientService, Invoice
from invoices.services import CANCELLABLE_STATUSES, CLOSABLE_SERVICE_STATUSES
from transactions.models import Transaction


def retention_cutoff(today: date | None = None) -> date:
    """The first day still inside legal retention: records dated before it have been kept
    INVOICE_RETENTION_YEARS full years and may go (with 0 years, everything up to today)."""
    today = today or timezone.localdate()
    years = settings.INVOICE_RETENTION_YEARS
    try:
        start = today.replace(year=today.year - years)
    except ValueError:  # 29 February, in a year that has none
        start = today.replace(year=today.year - years, day=28)
    return start + timedelta(days=1)


def dated_before(holder: Holder, cutoff: date) -> Q:
    field = holder.model_class._meta.get_field(holder.retained_from)
    if isinstance(field, models.DateTimeField):
        moment = timezone.make_aware(datetime.combine(cutoff, time.min))
        return Q(**{f"{holder.retained_from}__lt": moment})
    return Q(**{f"{holder.retained_from}__lt": cutoff})


def erasable(holder: Holder, client_ids: list[int], cutoff: date) -> models.QuerySet:
    """The rows of ``holder`` that erasing the clients changes: all their personal rows, except
    legal records (snapshots) dated on or after ``cutoff``."""
    rows = holder.erasable_rows(client_ids)
    if holder.retained_from:
        rows = rows.filter(dated_before(holder, cutoff))
    return rows


def retained(holder: Holder, client_ids: list[int], cutoff: date) -> models.QuerySet:
    """The clients' snapshot rows of ``holder`` that are kept, their retention still running."""
    return holder.erasable_rows(client_ids).exclude(dated_before(holder, cutoff))


@dataclass(frozen=True)
class AnonymisationSummary:
    """Counts for the confirmation page: rows whose personal values are erased, per model, and
    the legal records kept as issued while their retention runs."""

    erased: list[tuple[str, int]]
    retained: list[tuple[str, int]]
    cutoff: date
    open_invoices: int
    live_services: int


def anonymisation_summary(client: Client, *, cutoff: date) -> AnonymisationSummary:
    """One count per declared model (and two for the closing work)."""
    erased, kept = [], []
    for model, holder in holders().items():
        if not holder.erase:
            continue
        name = str(model._meta.verbose_name_plural)
        count = erasable(holder, [client.pk], cutoff).count()
        if count:
            erased.append((name, count))
        if holder.retained_from:
            count = retained(holder, [client.pk], cutoff).count()
            if count:
                kept.append((name, count))
    return AnonymisationSummary(
        erased=erased,
        retained=kept,
        cutoff=cutoff,
        open_invoices=Invoice.objects.filter(
            client=client, status__in=CANCELLABLE_STATUSES
        ).count(),
        live_services=ClientService.objects.filter(
            client=client, status__in=CLOSABLE_SERVICE_STATUSES
        ).count(),
    )


def _has(model, **conditions) -> Exists:
    return Exists(model._base_manager.filter(client=OuterRef("pk"), **conditions))


def retention_candidates(*, inactive_since: datetime) -> QuerySet[Client]:
    """Inactive or Closed clients, not yet anonymised, with nothing of theirs changed since
    ``inactive_since`` (profile, history, invoices, transactions, credit), no credit, no open or
    draft invoice and no live service. Uses client_retention_idx, then each dependant's
    client index for the NOT EXISTS checks."""
    return (
        Client.objects.filter(
            status__in=[Client.Status.INACTIVE, Client.Status.CLOSED],
            anonymised_at__isnull=True,
            updated_at__lt=inactive_since,
            credit_balance=0,
        )
        .exclude(_has(Invoice, status__in=CANCELLABLE_STATUSES))
        .exclude(_has(Invoice, updated_at__gte=inactive_since))
        .exclude(_has(ClientService, status__in=CLOSABLE_SERVICE_STATUSES))
        .exclude(_has(Transaction, date__gte=inactive_since))
        .exclude(_has(CreditEntry, created_at__gte=inactive_since))
        .exclude(_has(ClientEvent, created_at__gte=inactive_since))
    )


def clients_with_books(client_ids: list[int]) -> set[int]:
    """The clients that have an invoice or a transaction: anonymised, never deleted."""
    return set(
        Client.objects.filter(pk__in=client_ids)
        .filter(Q(_has(Invoice)) | Q(_has(Transaction)))
        .values_list("pk", flat=True)
    )
