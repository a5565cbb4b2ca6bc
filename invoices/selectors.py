"""Read-side queries for invoices and client services. No writes here."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing_admin.money import ZERO
from invoices.models import BALANCE_DUE, ClientService, Invoice

# Statuses in which an invoice still expects money (WHMCS counts these towards "due").
OPEN_STATUSES = (
    Invoice.Status.UNPAID,
    Invoice.Status.PAYMENT_PENDING,
    Invoice.Status.COLLECTIONS,
)
# The open invoices, as a filter: the Summary, the API and every "due" figure count these.
OPEN_INVOICES = Q(status__in=OPEN_STATUSES)


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
    return queryset.filter(OPEN_INVOICES, due_date__lt=today or timezone.localdate())


def invoice_list() -> QuerySet[Invoice]:
    """Invoices with their client and the balance due as a column (sortable, no extra query)."""
    return Invoice.objects.select_related("client").annotate(balance=BALANCE_DUE)


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


@dataclass(frozen=True)
class ClientInvoiceFigures:
    """A client's invoice figures on its Summary: open (due) and paid invoices, live services."""

    due_invoices: int
    due_balance: Decimal
    paid_invoices: int
    paid_total: Decimal
    active_services: int


def client_active_service_count(client_id: int) -> int:
    return ClientService.objects.filter(
        client_id=client_id, status=ClientService.Status.ACTIVE
    ).count()


def client_invoice_figures(client_id: int) -> ClientInvoiceFigures:
    """Two aggregate queries; "due" is OPEN_INVOICES, as in the API's GetClientsDetails."""
    paid = Q(status=Invoice.Status.PAID)
    invoices = Invoice.objects.filter(client_id=client_id).aggregate(
        due_count=Count("pk", filter=OPEN_INVOICES),
        due_balance=Coalesce(Sum(BALANCE_DUE, filter=OPEN_INVOICES), ZERO),
        paid_count=Count("pk", filter=paid),
        paid_total=Coalesce(Sum("total", filter=paid), ZERO),
    )
    return ClientInvoiceFigures(
        due_invoices=invoices["due_count"],
        due_balance=invoices["due_balance"],
        paid_invoices=invoices["paid_count"],
        paid_total=invoices["paid_total"],
        active_services=client_active_service_count(client_id),
    )
