"""Read-side queries for invoices and client services. No writes here."""

from datetime import date

from django.db.models import F, QuerySet
from django.utils import timezone

from invoices.models import ClientService, Invoice

# Statuses in which an invoice still expects money (WHMCS counts these towards "due").
OPEN_STATUSES = (
    Invoice.Status.UNPAID,
    Invoice.Status.PAYMENT_PENDING,
    Invoice.Status.COLLECTIONS,
)


def services_due(*, horizon: date) -> QuerySet[ClientService]:
    """Active services whose next due date falls on or before ``horizon`` (uses service_due_idx).

    Only a service's status counts, never its client's: an Inactive client with an Active
    service is still billed, and closing a client ends its services.
    """
    return ClientService.objects.filter(
        status=ClientService.Status.ACTIVE, next_due_date__lte=horizon
    )


def client_ids_with_services_due(*, horizon: date) -> list[int]:
    return list(
        services_due(horizon=horizon)
        .order_by("client_id")
        .values_list("client_id", flat=True)
        .distinct()
    )


def invoices_overdue(queryset: QuerySet[Invoice] | None = None, *, today=None) -> QuerySet:
    """Open invoices whose due date has passed (the status/due-date index serves this)."""
    queryset = Invoice.objects.all() if queryset is None else queryset
    return queryset.filter(status__in=OPEN_STATUSES, due_date__lt=today or timezone.localdate())


def invoice_list() -> QuerySet[Invoice]:
    """Invoices with their client and the balance due as a column (sortable, no extra query)."""
    return Invoice.objects.select_related("client").annotate(
        balance=F("total") - F("credit_applied") - F("amount_paid")
    )


def client_invoice_summary(client_id: int) -> QuerySet[Invoice]:
    """A client's invoices, newest first, for the client summary page (one query)."""
    return invoice_list().filter(client_id=client_id).order_by("-date", "-id")


def invoice_detail(invoice_id: int) -> Invoice:
    """One invoice with everything its page shows, in a fixed number of queries."""
    return (
        Invoice.objects.select_related("client")
        .prefetch_related("items", "transactions", "credit_entries", "events")
        .get(pk=invoice_id)
    )
