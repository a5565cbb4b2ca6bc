"""What every invoice write shares: the lock helper, how a money change is saved and recorded,
cancelling locked invoices, and the messages more than one service raises.

Lock order, everywhere: the client row first (``credits.services.lock_client``), then its
invoices, then its services, each in primary-key order.
"""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from billing_admin.actors import actor_fields
from billing_admin.money import ZERO
from clients.models import Client
from credits.models import CreditEntry
from credits.services import lock_client, record_credit_entries
from invoices import selectors
from invoices.models import Invoice, InvoiceEvent

CLIENT_NOT_FOUND = "Client ID Not Found"
INVOICE_NOT_FOUND = "Invoice ID Not Found"
INVALID_STATUS = "Invalid status {status}"
INVOICES_CHANGED = "The invoices changed while this was being done; try again."
NOT_CANCELLABLE = "Only an unpaid or draft invoice can be cancelled; this one is {status}."

CREDIT_APPLIED_DESCRIPTION = "Credit applied to invoice #{number}"
CREDIT_RETURNED_DESCRIPTION = "Credit returned from cancelled invoice #{number}"

CANCELLABLE_STATUSES = (Invoice.Status.DRAFT, *selectors.OPEN_STATUSES)


# The code of an error that means the row is gone: callers leave its page instead of re-showing it.
NOT_FOUND_CODE = "not_found"


def not_found(message: str) -> ValidationError:
    return ValidationError(message, code=NOT_FOUND_CODE)


def lock_client_and_invoice(invoice_id: int) -> tuple[Client, Invoice]:
    """Lock the invoice's client, then the invoice (the order every writer here uses)."""
    client_id = Invoice.objects.filter(pk=invoice_id).values_list("client_id", flat=True).first()
    if client_id is None:
        raise not_found(INVOICE_NOT_FOUND)
    try:
        # The client (and its invoices with it) may be deleted between the lookup and the lock.
        client = lock_client(client_id)
        invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    except (Client.DoesNotExist, Invoice.DoesNotExist):
        raise not_found(INVOICE_NOT_FOUND) from None
    invoice.client = client
    return client, invoice


def lock_clients_and_invoices(invoice_ids) -> tuple[dict[int, Client], dict[int, Invoice]]:
    """``lock_client_and_invoice`` for many invoices in three queries: their clients locked in
    pk order, then the invoices in pk order; each returned by pk. Invoices deleted meanwhile
    are left out (the caller decides what a missing one means); an invoice that moved to a
    client not locked here (a merge that committed between the lookup and the locks) is a
    ValidationError, as the caller's view of it is stale."""
    invoice_ids = sorted(set(invoice_ids))
    client_ids = set(Invoice.objects.filter(pk__in=invoice_ids).values_list("client_id", flat=True))
    clients = {
        client.pk: client
        for client in Client.objects.select_for_update().filter(pk__in=client_ids).order_by("pk")
    }
    invoices = {
        invoice.pk: invoice
        for invoice in Invoice.objects.select_for_update().filter(pk__in=invoice_ids).order_by("pk")
    }
    for invoice in invoices.values():
        if invoice.client_id not in clients:
            raise ValidationError(INVOICES_CHANGED)
        invoice.client = clients[invoice.client_id]
    return clients, invoices


def settle(invoice: Invoice, *, paid_at: datetime | None = None) -> None:
    """Mark an open invoice Paid once nothing is due on it; back to Unpaid when it is again."""
    if invoice.status in selectors.OPEN_STATUSES and invoice.balance_due == ZERO:
        invoice.status = Invoice.Status.PAID
        invoice.paid_at = paid_at or timezone.now()
    elif invoice.status == Invoice.Status.PAID and invoice.balance_due > ZERO:
        invoice.status = Invoice.Status.UNPAID
        invoice.paid_at = None


def record_events(invoice: Invoice, events: list[InvoiceEvent], actor) -> None:
    """Append ``events`` (unsaved, without invoice or actor) to the invoice's history."""
    for event in events:
        event.invoice = invoice
    save_events(events, actor)


def save_events(events: list[InvoiceEvent], actor) -> None:
    """Insert unsaved events, each already bound to its invoice, as done by ``actor``."""
    audit = actor_fields(actor)
    for event in events:
        for name, value in audit.items():
            setattr(event, name, value)
    InvoiceEvent.objects.bulk_create(events)


def status_change_events(invoice: Invoice, old_status: str) -> list[InvoiceEvent]:
    """The status-changed event, when the invoice's status is no longer ``old_status``."""
    if invoice.status == old_status:
        return []
    return [
        InvoiceEvent(
            kind=InvoiceEvent.Kind.STATUS_CHANGED, old_value=old_status, new_value=invoice.status
        )
    ]


def save_money_change(
    invoice: Invoice, *, kind: str, amount: Decimal, before: tuple[str, Decimal], actor
) -> None:
    """Save a money change and record it: a ``kind`` event with the amount and the balance due
    before and after, and a status event when the invoice went Paid or back to Unpaid.
    ``before`` is ``(status, balance_due)`` as the invoice was when locked."""
    old_status, old_balance_due = before
    invoice.full_clean(exclude=["client"])
    invoice.save(update_fields=["status", "paid_at", "credit_applied", "amount_paid", "updated_at"])
    events = [
        InvoiceEvent(
            kind=kind,
            amount=amount,
            old_value=str(old_balance_due),
            new_value=str(invoice.balance_due),
        )
    ]
    events += status_change_events(invoice, old_status)
    record_events(invoice, events, actor)


def cancel_locked_invoices(*, client: Client, invoices: list[Invoice], actor) -> None:
    """Cancel locked invoices of one locked client, returning their applied credit in one
    ledger write, one status update and one insert of their ``cancelled`` events (old status,
    credit returned)."""
    audit = actor_fields(actor)
    record_credit_entries(
        clients=[client],
        entries=[
            CreditEntry(
                client=client,
                invoice=invoice,
                amount=invoice.credit_applied,
                kind=CreditEntry.Kind.UNAPPLIED,
                description=CREDIT_RETURNED_DESCRIPTION.format(number=invoice.number),
                **audit,
            )
            for invoice in invoices
            if invoice.credit_applied > ZERO
        ],
    )
    Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices]).update(
        status=Invoice.Status.CANCELLED, credit_applied=ZERO, updated_at=timezone.now()
    )
    InvoiceEvent.objects.bulk_create(
        InvoiceEvent(
            invoice=invoice,
            kind=InvoiceEvent.Kind.CANCELLED,
            old_value=invoice.status,
            new_value=Invoice.Status.CANCELLED,
            amount=invoice.credit_applied or None,
            **audit,
        )
        for invoice in invoices
    )
