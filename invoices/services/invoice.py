"""Creating, editing (WHMCS UpdateInvoice) and cancelling an invoice.

Cancelling returns any credit applied to the invoice to the balance (WHMCS does not, and the
client loses that credit), and leaves its payments alone: money received stays a transaction and
is refunded separately.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing_admin.money import ZERO, parse_money_field
from clients.models import Client
from credits.selectors import auto_apply_amount
from credits.services import lock_client
from invoices import selectors
from invoices.models import Invoice, InvoiceEvent, InvoiceItem
from invoices.services.credit import (
    apply_credit_locked,
    invoice_apply_credit,
    invoice_remove_credit,
)
from invoices.services.shared import (
    CANCELLABLE_STATUSES,
    CLIENT_NOT_FOUND,
    INVALID_STATUS,
    NOT_CANCELLABLE,
    cancel_locked_invoices,
    lock_client_and_invoice,
    not_found,
    record_events,
    settle,
)
from invoices.services.snapshot import take_snapshot
from transactions.payment_methods import payment_method_module

ITEM_DESCRIPTION_REQUIRED = "Every invoice item needs a description."
TOTAL_NEGATIVE = "The invoice total cannot be negative."
PUBLISH_NOT_DRAFT = "Invoice must be in Draft status to be published"
STATUS_NOT_SETTABLE = (
    "An invoice cannot be set to {status} here: Paid comes from payments and credit, and "
    "Refunded from a refund."
)
STATUS_NOT_CHANGEABLE = "The status of a {status} invoice cannot be changed."
DRAFT_WITH_MONEY = "An invoice with credit applied or payments received cannot go back to Draft."
LINES_NOT_EDITABLE = "The lines of a {status} invoice cannot be changed."
ITEMS_NOT_ON_INVOICE = "Not lines of this invoice: {ids}."
TOTAL_BELOW_SETTLED = (
    "The invoice total cannot be less than the credit applied and payments received ({settled})."
)
# Statuses a staff member or the API may create an invoice in.
CREATABLE_STATUSES = (Invoice.Status.DRAFT, Invoice.Status.UNPAID)
# Statuses invoice_update sets directly (Cancelled goes through the cancel rules).
SETTABLE_STATUSES = (Invoice.Status.DRAFT, *selectors.OPEN_STATUSES)


@transaction.atomic
def invoice_create(
    *,
    client_id: int,
    items: list[dict],
    actor,
    date: date | None = None,
    due_date: date | None = None,
    status: str = Invoice.Status.UNPAID,
    payment_method: str = "",
    notes: str = "",
    auto_apply_credit: bool = False,
) -> Invoice:
    """Create an invoice from ``items`` (dicts with ``description``, ``amount``, optional
    ``taxed``); subtotal and total are computed from them. With ``auto_apply_credit`` the
    client's credit is applied at once as its credit policy allows (WHMCS CreateInvoice
    autoapplycredit; ``credits.selectors.auto_apply_amount``).
    """
    if status not in CREATABLE_STATUSES:
        raise ValidationError({"status": INVALID_STATUS.format(status=status)})
    lines = []
    for item in items:
        description = (item.get("description") or "").strip()
        if not description:
            raise ValidationError({"items": ITEM_DESCRIPTION_REQUIRED})
        lines.append(
            InvoiceItem(
                description=description,
                amount=parse_money_field(item.get("amount", ZERO), field="items"),
                taxed=bool(item.get("taxed", False)),
            )
        )
    subtotal = sum((line.amount for line in lines), ZERO)
    if subtotal < ZERO:
        raise ValidationError({"items": TOTAL_NEGATIVE})
    try:
        client = lock_client(client_id)
    except Client.DoesNotExist:
        raise not_found(CLIENT_NOT_FOUND) from None
    today = timezone.localdate()
    invoice = Invoice(
        client=client,
        status=status,
        date=date or today,
        due_date=due_date or date or today,
        currency=client.currency,
        payment_method=payment_method_module(payment_method),
        notes=notes,
        subtotal=subtotal,
        total=subtotal,
    )
    take_snapshot(invoice)
    invoice.full_clean(exclude=["client"])
    invoice.save()
    for line in lines:
        line.invoice = invoice
        line.full_clean(exclude=["invoice", "service"])
    InvoiceItem.objects.bulk_create(lines)
    record_events(
        invoice,
        [InvoiceEvent(kind=InvoiceEvent.Kind.CREATED, new_value=status, amount=invoice.total)],
        actor,
    )
    # Asked for explicitly, so a client on the site default gets its credit applied even with
    # AUTO_APPLY_CREDIT off; "never" and "only the whole invoice" still hold.
    credit = auto_apply_amount(client, invoice.total, site_default=True)
    if auto_apply_credit and status == Invoice.Status.UNPAID and credit > ZERO:
        apply_credit_locked(client=client, invoice=invoice, amount=credit, actor=actor)
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice_id: int, actor) -> Invoice:
    """Cancel an unpaid or draft invoice; credit applied to it goes back to the balance."""
    client, invoice = lock_client_and_invoice(invoice_id)
    if invoice.status not in CANCELLABLE_STATUSES:
        raise ValidationError(NOT_CANCELLABLE.format(status=invoice.status))
    cancel_locked_invoices(client=client, invoices=[invoice], actor=actor)
    invoice.refresh_from_db()
    return invoice


@transaction.atomic
def invoice_update(
    *,
    invoice_id: int,
    actor,
    status: str | None = None,
    date: date | None = None,
    due_date: date | None = None,
    notes: str | None = None,
    payment_method: str | None = None,
    new_items: list[dict] = (),
    item_changes: dict[int, dict] | None = None,
    delete_item_ids: list[int] = (),
    credit=None,
    publish: bool = False,
) -> Invoice:
    """Edit an invoice (WHMCS UpdateInvoice); ``None``/empty arguments leave things alone.

    Lines (``new_items`` and ``item_changes`` by item id: dicts with ``description``, ``amount``,
    ``taxed``; ``delete_item_ids``) change only on a Draft or open invoice, and the totals are
    recomputed from them, never below what is already settled (credit applied + paid).
    ``credit`` is the credit the invoice should carry: the difference is applied from or
    returned to the client's balance through the credit ledger. ``publish`` turns a Draft into
    Unpaid. Cancelled follows ``invoice_cancel``'s rules; Paid and Refunded are not set here.
    Client row first, then the invoice, then its lines: the lock order of every writer here.
    Status and total changes are recorded as InvoiceEvents (credit moves and cancelling record
    their own).
    """
    client, invoice = lock_client_and_invoice(invoice_id)
    old_status, old_total = invoice.status, invoice.total
    if publish:
        if invoice.status != Invoice.Status.DRAFT:
            raise ValidationError(PUBLISH_NOT_DRAFT)
        status = status or Invoice.Status.UNPAID
        # Issued now: it is billed to the client as it is today, not as when drafted.
        take_snapshot(invoice)
    if status is not None and status not in Invoice.Status.values:
        raise ValidationError({"status": INVALID_STATUS.format(status=status)})
    cancelling = status == Invoice.Status.CANCELLED and invoice.status != status
    if cancelling and invoice.status not in CANCELLABLE_STATUSES:
        raise ValidationError(NOT_CANCELLABLE.format(status=invoice.status))
    if status is not None and status != invoice.status and not cancelling:
        if status not in SETTABLE_STATUSES:
            raise ValidationError({"status": STATUS_NOT_SETTABLE.format(status=status)})
        if invoice.status not in SETTABLE_STATUSES:
            raise ValidationError({"status": STATUS_NOT_CHANGEABLE.format(status=invoice.status)})
        if status == Invoice.Status.DRAFT and (invoice.credit_applied or invoice.amount_paid):
            raise ValidationError({"status": DRAFT_WITH_MONEY})
        invoice.status = status
    item_changes = item_changes or {}
    if new_items or item_changes or delete_item_ids:
        invoice.subtotal = invoice.total = _update_invoice_lines(
            invoice,
            new_items=new_items,
            item_changes=item_changes,
            delete_item_ids=set(delete_item_ids),
        )
    for name, value in (
        ("date", date),
        ("due_date", due_date),
        ("notes", notes),
        (
            "payment_method",
            None if payment_method is None else payment_method_module(payment_method),
        ),
    ):
        if value is not None:
            setattr(invoice, name, value)
    settle(invoice)
    invoice.full_clean(exclude=["client"])
    invoice.save()
    events = []
    if invoice.total != old_total:
        events.append(
            InvoiceEvent(
                kind=InvoiceEvent.Kind.TOTAL_CHANGED,
                amount=invoice.total - old_total,
                old_value=str(old_total),
                new_value=str(invoice.total),
            )
        )
    if invoice.status != old_status:
        events.append(
            InvoiceEvent(
                kind=InvoiceEvent.Kind.STATUS_CHANGED,
                old_value=old_status,
                new_value=invoice.status,
            )
        )
    if events:
        record_events(invoice, events, actor)
    if credit is not None:
        change = parse_money_field(credit, field="credit") - invoice.credit_applied
        if change > ZERO:
            invoice_apply_credit(invoice_id=invoice.pk, amount=change, actor=actor)
        elif change < ZERO:
            invoice_remove_credit(invoice_id=invoice.pk, amount=-change, actor=actor)
    if cancelling:
        invoice.refresh_from_db()
        cancel_locked_invoices(client=client, invoices=[invoice], actor=actor)
    invoice.refresh_from_db()
    return invoice


def _update_invoice_lines(
    invoice: Invoice, *, new_items, item_changes: dict, delete_item_ids: set
) -> Decimal:
    """Write the line changes of a locked invoice; returns the new subtotal."""
    if invoice.status not in SETTABLE_STATUSES:
        raise ValidationError({"items": LINES_NOT_EDITABLE.format(status=invoice.status)})
    items = {
        item.pk: item
        for item in InvoiceItem.objects.select_for_update().filter(invoice=invoice).order_by("pk")
    }
    unknown = (item_changes.keys() | delete_item_ids) - items.keys()
    if unknown:
        raise ValidationError(
            {"items": ITEMS_NOT_ON_INVOICE.format(ids=", ".join(map(str, sorted(unknown))))}
        )

    def line(item: InvoiceItem, values: dict) -> InvoiceItem:
        item.description = (values.get("description") or "").strip()
        if not item.description:
            raise ValidationError({"items": ITEM_DESCRIPTION_REQUIRED})
        item.amount = parse_money_field(values.get("amount", ZERO), field="items")
        item.taxed = bool(values.get("taxed", False))
        item.full_clean(exclude=["invoice", "service"])
        return item

    changed = [line(items[pk], values) for pk, values in item_changes.items()]
    added = [line(InvoiceItem(invoice=invoice), values) for values in new_items]
    kept = [item for pk, item in items.items() if pk not in delete_item_ids]
    subtotal = sum((item.amount for item in [*kept, *added]), ZERO)
    if subtotal < ZERO:
        raise ValidationError({"items": TOTAL_NEGATIVE})
    settled = invoice.credit_applied + invoice.amount_paid
    if subtotal < settled:
        raise ValidationError({"items": TOTAL_BELOW_SETTLED.format(settled=settled)})
    InvoiceItem.objects.filter(pk__in=delete_item_ids).delete()
    InvoiceItem.objects.bulk_update(
        [item for item in changed if item.pk not in delete_item_ids],
        ["description", "amount", "taxed"],
    )
    InvoiceItem.objects.bulk_create(added)
    return subtotal
