"""Every write to invoices and client services: the admin, the API and the cron call these.

Lock order, everywhere: the client row first (``credits.services.lock_client``), then its
invoices, then its services, each in primary-key order. Credit moves through the credits ledger
(``record_credit_entry``); payments are ``transactions.Transaction`` rows.

Decisions (WHMCS leaves these open):
- Credit can be removed from an Unpaid or Paid invoice; a Paid invoice that is no longer covered
  goes back to Unpaid. Cancelling an invoice returns any credit applied to it to the balance
  (WHMCS does not, and the client loses that credit), and leaves its payments alone: money
  received stays a transaction and is refunded separately.
- Next due dates keep the service's billing day: a date clamped to a short month's end goes back
  to the registration day when the month allows (Jan 31 -> Feb 28 -> Mar 31).
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from billing_admin.actors import actor_fields
from billing_admin.money import ZERO, to_money
from clients.models import Client
from credits.models import CreditEntry
from credits.services import AMOUNT_INVALID, lock_client, record_credit_entry
from invoices import selectors
from invoices.models import ClientService, Invoice, InvoiceItem
from transactions.models import Transaction
from transactions.services import transaction_create

CLIENT_NOT_FOUND = "Client ID Not Found"
INVOICE_NOT_FOUND = "Invoice ID Not Found"
INVALID_STATUS = "Invalid status {status}"
ITEM_DESCRIPTION_REQUIRED = "Every invoice item needs a description."
TOTAL_NEGATIVE = "The invoice total cannot be negative."
NOT_UNPAID = "Invoice Not in Unpaid Status"
CREDIT_NOT_POSITIVE = "Credit Amount to apply must be greater than zero"
EXCEEDS_CREDIT_BALANCE = "Amount exceeds customer credit balance"
EXCEEDS_INVOICE_BALANCE = "Amount Exceeds Invoice Balance"
CREDIT_NOT_REMOVABLE = "Credit can only be removed from an Unpaid or Paid invoice."
REMOVE_NOT_POSITIVE = "The amount to remove must be greater than zero."
EXCEEDS_CREDIT_APPLIED = "Only {applied} credit is applied to this invoice."
PAYMENT_ON_CANCELLED = "It is not possible to add a payment to an invoice that is Cancelled"
PAYMENT_NOT_ACCEPTED = "Payments can only be added to an unpaid invoice; this one is {status}."
PAYMENT_NOT_POSITIVE = "The payment amount must be greater than zero."
GATEWAY_REQUIRED = "Payment Method is required"
NOT_CANCELLABLE = "Only an unpaid or draft invoice can be cancelled; this one is {status}."

CREDIT_APPLIED_DESCRIPTION = "Credit applied to invoice #{number}"
CREDIT_REMOVED_DESCRIPTION = "Credit removed from invoice #{number}"
CREDIT_RETURNED_DESCRIPTION = "Credit returned from cancelled invoice #{number}"
OVERPAYMENT_DESCRIPTION = "Overpayment on invoice #{number}"
PAYMENT_DESCRIPTION = "Invoice Payment"

# Statuses a staff member or the API may create an invoice in.
CREATABLE_STATUSES = (Invoice.Status.DRAFT, Invoice.Status.UNPAID)
CANCELLABLE_STATUSES = (Invoice.Status.DRAFT, *selectors.OPEN_STATUSES)
# Services a closed client stops holding (Terminated and Cancelled ones stay as they are).
CLOSABLE_SERVICE_STATUSES = (
    ClientService.Status.PENDING,
    ClientService.Status.ACTIVE,
    ClientService.Status.SUSPENDED,
)
CYCLE_MONTHS = {
    ClientService.BillingCycle.MONTHLY: 1,
    ClientService.BillingCycle.QUARTERLY: 3,
    ClientService.BillingCycle.SEMI_ANNUALLY: 6,
    ClientService.BillingCycle.ANNUALLY: 12,
}
# Clients per generation batch: each batch is one transaction holding these clients' row locks.
GENERATION_BATCH_SIZE = 1000


def _money(value, *, field: str = "amount") -> Decimal:
    """Money from any caller (API strings included); bad input is a field error, not a 500."""
    try:
        return to_money(value)
    except ValueError:
        raise ValidationError({field: AMOUNT_INVALID}) from None


def _not_found(message: str) -> ValidationError:
    return ValidationError(message, code="not_found")


def _lock_client_and_invoice(invoice_id: int) -> tuple[Client, Invoice]:
    """Lock the invoice's client, then the invoice (the order every writer here uses)."""
    client_id = Invoice.objects.filter(pk=invoice_id).values_list("client_id", flat=True).first()
    if client_id is None:
        raise _not_found(INVOICE_NOT_FOUND)
    client = lock_client(client_id)
    invoice = Invoice.objects.select_for_update().get(pk=invoice_id)
    invoice.client = client
    return client, invoice


def _settle(invoice: Invoice, *, paid_at: datetime | None = None) -> None:
    """Mark an open invoice Paid once nothing is due on it; back to Unpaid when it is again."""
    if invoice.status in selectors.OPEN_STATUSES and invoice.balance_due == ZERO:
        invoice.status = Invoice.Status.PAID
        invoice.paid_at = paid_at or timezone.now()
    elif invoice.status == Invoice.Status.PAID and invoice.balance_due > ZERO:
        invoice.status = Invoice.Status.UNPAID
        invoice.paid_at = None


def _save_invoice(invoice: Invoice) -> None:
    invoice.full_clean(exclude=["client"])
    invoice.save(update_fields=["status", "paid_at", "credit_applied", "amount_paid", "updated_at"])


def _apply_credit_locked(
    *, client: Client, invoice: Invoice, amount: Decimal, actor
) -> CreditEntry:
    entry = record_credit_entry(
        client=client,
        amount=-amount,
        kind=CreditEntry.Kind.APPLIED,
        description=CREDIT_APPLIED_DESCRIPTION.format(number=invoice.number),
        actor=actor,
        invoice=invoice,
    )
    invoice.credit_applied += amount
    _settle(invoice)
    _save_invoice(invoice)
    return entry


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
    client's credit is applied at once, as far as it goes (WHMCS CreateInvoice autoapplycredit).
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
                amount=_money(item.get("amount", ZERO), field="items"),
                taxed=bool(item.get("taxed", False)),
            )
        )
    subtotal = sum((line.amount for line in lines), ZERO)
    if subtotal < ZERO:
        raise ValidationError({"items": TOTAL_NEGATIVE})
    try:
        client = lock_client(client_id)
    except Client.DoesNotExist:
        raise _not_found(CLIENT_NOT_FOUND) from None
    today = timezone.localdate()
    invoice = Invoice(
        client=client,
        status=status,
        date=date or today,
        due_date=due_date or date or today,
        currency=client.currency,
        payment_method=payment_method,
        notes=notes,
        subtotal=subtotal,
        total=subtotal,
    )
    invoice.full_clean(exclude=["client"])
    invoice.save()
    for line in lines:
        line.invoice = invoice
        line.full_clean(exclude=["invoice", "service"])
    InvoiceItem.objects.bulk_create(lines)
    credit = min(client.credit_balance, invoice.total)
    if auto_apply_credit and status == Invoice.Status.UNPAID and credit > ZERO:
        _apply_credit_locked(client=client, invoice=invoice, amount=credit, actor=actor)
    return invoice


@transaction.atomic
def invoice_apply_credit(*, invoice_id: int, amount=None, actor) -> CreditEntry:
    """Apply the client's credit to an Unpaid invoice (WHMCS ApplyCredit).

    ``amount`` defaults to the most possible, min(credit balance, balance due). The returned
    entry's ``invoice`` shows whether the invoice is now Paid.
    """
    client, invoice = _lock_client_and_invoice(invoice_id)
    if invoice.status != Invoice.Status.UNPAID:
        raise ValidationError(NOT_UNPAID)
    if amount is None:
        amount = min(client.credit_balance, invoice.balance_due)
    amount = _money(amount)
    if amount <= ZERO:
        raise ValidationError({"amount": CREDIT_NOT_POSITIVE})
    if amount > client.credit_balance:
        raise ValidationError({"amount": EXCEEDS_CREDIT_BALANCE})
    if amount > invoice.balance_due:
        raise ValidationError({"amount": EXCEEDS_INVOICE_BALANCE})
    return _apply_credit_locked(client=client, invoice=invoice, amount=amount, actor=actor)


@transaction.atomic
def invoice_remove_credit(*, invoice_id: int, amount, actor) -> CreditEntry:
    """Return credit applied to an Unpaid or Paid invoice to the client's balance."""
    client, invoice = _lock_client_and_invoice(invoice_id)
    if invoice.status not in (Invoice.Status.UNPAID, Invoice.Status.PAID):
        raise ValidationError(CREDIT_NOT_REMOVABLE)
    amount = _money(amount)
    if amount <= ZERO:
        raise ValidationError({"amount": REMOVE_NOT_POSITIVE})
    if amount > invoice.credit_applied:
        raise ValidationError(
            {"amount": EXCEEDS_CREDIT_APPLIED.format(applied=invoice.credit_applied)}
        )
    entry = record_credit_entry(
        client=client,
        amount=amount,
        kind=CreditEntry.Kind.UNAPPLIED,
        description=CREDIT_REMOVED_DESCRIPTION.format(number=invoice.number),
        actor=actor,
        invoice=invoice,
    )
    invoice.credit_applied -= amount
    _settle(invoice)
    _save_invoice(invoice)
    return entry


@transaction.atomic
def payment_record(
    *,
    invoice_id: int,
    gateway: str,
    actor,
    amount=None,
    transaction_id: str = "",
    fees=ZERO,
    date: date | datetime | None = None,
) -> Transaction:
    """Record a payment on an invoice (WHMCS AddInvoicePayment) as a Transaction.

    ``amount`` defaults to the balance due. Paid in full: the invoice is Paid (paid at ``date``).
    Overpaid: ``amount_paid`` stops at the balance due and the excess becomes client credit.
    """
    client, invoice = _lock_client_and_invoice(invoice_id)
    if invoice.status == Invoice.Status.CANCELLED:
        raise ValidationError(PAYMENT_ON_CANCELLED)
    if invoice.status not in selectors.OPEN_STATUSES:
        raise ValidationError(PAYMENT_NOT_ACCEPTED.format(status=invoice.status))
    if not gateway or not gateway.strip():
        raise ValidationError({"gateway": GATEWAY_REQUIRED})
    amount = invoice.balance_due if amount is None else _money(amount)
    if amount <= ZERO:
        raise ValidationError({"amount": PAYMENT_NOT_POSITIVE})
    paid_at = _as_datetime(date) if date else timezone.now()
    txn = transaction_create(
        gateway=gateway.strip(),
        actor=actor,
        client=client,
        invoice=invoice,
        amount_in=amount,
        fees=_money(fees, field="fees"),
        transaction_id=transaction_id.strip(),
        description=PAYMENT_DESCRIPTION,
        currency=invoice.currency,
        date=paid_at,
    )
    covered = min(amount, invoice.balance_due)
    excess = amount - covered
    if excess > ZERO:
        record_credit_entry(
            client=client,
            amount=excess,
            kind=CreditEntry.Kind.OVERPAYMENT,
            description=OVERPAYMENT_DESCRIPTION.format(number=invoice.number),
            actor=actor,
            invoice=invoice,
        )
    invoice.amount_paid += covered
    _settle(invoice, paid_at=paid_at)
    _save_invoice(invoice)
    return txn


def _as_datetime(value: date | datetime) -> datetime:
    """A payment date as an aware datetime: a bare date means the start of that day."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _cancel_locked_invoices(*, client: Client, invoices: list[Invoice], actor) -> None:
    """Cancel locked invoices of one locked client, returning their applied credit in one
    ledger write and one status update."""
    entries = [
        CreditEntry(
            client=client,
            amount=invoice.credit_applied,
            kind=CreditEntry.Kind.UNAPPLIED,
            description=CREDIT_RETURNED_DESCRIPTION.format(number=invoice.number),
            invoice=invoice,
            **actor_fields(actor),
        )
        for invoice in invoices
        if invoice.credit_applied > ZERO
    ]
    if entries:
        _write_credit_entries(
            entries,
            {client.pk: client.credit_balance + sum(entry.amount for entry in entries)},
        )
    Invoice.objects.filter(pk__in=[invoice.pk for invoice in invoices]).update(
        status=Invoice.Status.CANCELLED, credit_applied=ZERO, updated_at=timezone.now()
    )


@transaction.atomic
def invoice_cancel(*, invoice_id: int, actor) -> Invoice:
    """Cancel an unpaid or draft invoice; credit applied to it goes back to the balance."""
    client, invoice = _lock_client_and_invoice(invoice_id)
    if invoice.status not in CANCELLABLE_STATUSES:
        raise ValidationError(NOT_CANCELLABLE.format(status=invoice.status))
    _cancel_locked_invoices(client=client, invoices=[invoice], actor=actor)
    invoice.refresh_from_db()
    return invoice


@transaction.atomic
def client_close(*, client_id: int, actor) -> Client:
    """Close a client (WHMCS CloseClient): status Closed, its open invoices Cancelled (their
    applied credit returned), its live services Cancelled. Set-based, under the client's lock."""
    from clients.services import client_set_status

    try:
        client = lock_client(client_id)
    except Client.DoesNotExist:
        raise _not_found(CLIENT_NOT_FOUND) from None
    client_set_status(client_id=client_id, status=Client.Status.CLOSED, actor=actor)
    client.refresh_from_db()
    invoices = list(
        Invoice.objects.select_for_update()
        .filter(client_id=client_id, status__in=CANCELLABLE_STATUSES)
        .order_by("pk")
    )
    if invoices:
        _cancel_locked_invoices(client=client, invoices=invoices, actor=actor)
    now = timezone.now()
    ClientService.objects.filter(
        client_id=client_id,
        status__in=CLOSABLE_SERVICE_STATUSES,
    ).update(status=ClientService.Status.CANCELLED, status_changed_at=now, updated_at=now)
    return client


SERVICE_FIELDS = (
    "product_name",
    "description",
    "status",
    "billing_cycle",
    "recurring_amount",
    "registration_date",
    "next_due_date",
)


def _check_service_fields(fields: dict) -> None:
    unknown = set(fields) - set(SERVICE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected service fields: {', '.join(sorted(unknown))}")


@transaction.atomic
def client_service_create(*, client_id: int, actor, **fields) -> ClientService:
    """Give a client a service (``fields`` from SERVICE_FIELDS). ``actor`` for symmetry: services
    carry no audit columns yet."""
    _check_service_fields(fields)
    if "recurring_amount" in fields:
        fields["recurring_amount"] = _money(fields["recurring_amount"], field="recurring_amount")
    service = ClientService(client_id=client_id, **fields)
    service.full_clean()
    service.save()
    return service


@transaction.atomic
def client_service_update(*, service_id: int, actor, **fields) -> ClientService:
    """Change a service; a status change stamps ``status_changed_at``."""
    _check_service_fields(fields)
    service = ClientService.objects.select_for_update().get(pk=service_id)
    if "recurring_amount" in fields:
        fields["recurring_amount"] = _money(fields["recurring_amount"], field="recurring_amount")
    old_status = service.status
    for name, value in fields.items():
        setattr(service, name, value)
    if service.status != old_status:
        service.status_changed_at = timezone.now()
    service.full_clean()
    service.save()
    return service


# --- Daily generation --------------------------------------------------------------------


def billing_day(due: date, registration_date: date) -> int:
    """The day of the month a service is billed on.

    A due date on the last day of its month may have been clamped from a later registration
    day (Jan 31 -> Feb 28); the registration day then comes back when the month allows it.
    """
    if due.day == calendar.monthrange(due.year, due.month)[1]:
        return max(due.day, registration_date.day)
    return due.day


def next_due_date_after(due: date, *, cycle: str, day: int) -> date | None:
    """The due date one cycle after ``due`` on billing day ``day`` (None for one-time)."""
    if cycle == ClientService.BillingCycle.ONE_TIME:
        return None
    months = due.month - 1 + CYCLE_MONTHS[cycle]
    year, month = due.year + months // 12, months % 12 + 1
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _item_description(service: ClientService, due: date, next_due: date | None) -> str:
    name = (
        f"{service.product_name} - {service.description}"
        if service.description
        else (service.product_name)
    )
    if next_due is not None:
        name = f"{name} ({due:%Y-%m-%d} - {next_due - timedelta(days=1):%Y-%m-%d})"
    return name[:255]


@dataclass
class GenerationResult:
    invoices: int = 0
    items: int = 0
    total: Decimal = ZERO
    credit_applied: Decimal = ZERO
    paid_by_credit: int = 0
    batches: int = 0


@dataclass
class _Plan:
    """What one batch writes: invoices (items attached), services' new due dates, balances."""

    invoices: list[Invoice] = field(default_factory=list)
    items: dict[int, list[InvoiceItem]] = field(default_factory=dict)  # by index in invoices
    next_due_dates: dict[int, date | None] = field(default_factory=dict)
    new_balances: dict[int, Decimal] = field(default_factory=dict)


def _plan_batch(
    *, clients: list[Client], services: list[ClientService], today: date, horizon: date
) -> _Plan:
    """Pure: bill every period of ``services`` due by ``horizon``; one invoice per client and due
    date; apply each client's credit to its new invoices, earliest due first."""
    plan = _Plan()
    lines_by_invoice: dict[tuple[int, date], list[InvoiceItem]] = defaultdict(list)
    for service in services:
        due = service.next_due_date
        day = billing_day(due, service.registration_date)
        while due is not None and due <= horizon:
            next_due = next_due_date_after(due, cycle=service.billing_cycle, day=day)
            lines_by_invoice[service.client_id, due].append(
                InvoiceItem(
                    service_id=service.pk,
                    service_due_date=due,
                    description=_item_description(service, due, next_due),
                    amount=service.recurring_amount,
                )
            )
            due = next_due
        plan.next_due_dates[service.pk] = due
    clients_by_id = {client.pk: client for client in clients}
    auto_apply = settings.AUTO_APPLY_CREDIT
    now = timezone.now()
    for (client_id, due), lines in sorted(lines_by_invoice.items()):
        client = clients_by_id[client_id]
        total = sum((line.amount for line in lines), ZERO)
        balance = plan.new_balances.get(client_id, client.credit_balance)
        credit = min(balance, total) if auto_apply else ZERO
        if credit:
            plan.new_balances[client_id] = balance - credit
        settled = credit == total
        plan.items[len(plan.invoices)] = lines
        plan.invoices.append(
            Invoice(
                client=client,
                status=Invoice.Status.PAID if settled else Invoice.Status.UNPAID,
                date=today,
                due_date=due,
                paid_at=now if settled else None,
                currency=client.currency,
                subtotal=total,
                total=total,
                credit_applied=credit,
            )
        )
    return plan


def _write_credit_entries(entries: list[CreditEntry], new_balances: dict[int, Decimal]) -> None:
    """Bulk twin of ``credits.services.record_credit_entry`` for clients locked by the caller:
    the ledger rows and the cached balances in two statements. ``new_balances`` must equal each
    client's locked balance plus its entries (the CHECK keeps them non-negative)."""
    CreditEntry.objects.bulk_create(entries)
    rows = ", ".join(["(%s::bigint, %s::numeric)"] * len(new_balances))
    params = [value for pair in new_balances.items() for value in pair]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Client._meta.db_table} AS c SET credit_balance = v.balance, "
            f"updated_at = now() FROM (VALUES {rows}) AS v(id, balance) WHERE c.id = v.id",
            params,
        )


def _set_next_due_dates(next_due_dates: dict[int, date | None]) -> None:
    rows = ", ".join(["(%s::bigint, %s::date)"] * len(next_due_dates))
    params = [value for pair in next_due_dates.items() for value in pair]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ClientService._meta.db_table} AS s SET next_due_date = v.due, "
            f"updated_at = now() FROM (VALUES {rows}) AS v(id, due) WHERE s.id = v.id",
            params,
        )


@transaction.atomic
def _generate_batch(*, client_ids: list[int], today: date, horizon: date, actor) -> _Plan:
    """One batch, one transaction: lock the clients (pk order) and their due services, then
    re-read what is due under the locks, so a concurrent or restarted run bills nothing twice."""
    clients = list(
        Client.objects.select_for_update()
        .filter(pk__in=client_ids)
        .order_by("pk")
        .only("pk", "currency", "credit_balance")
    )
    services = list(
        selectors.services_due(horizon=horizon)
        .select_for_update()
        .filter(client_id__in=client_ids)
        .order_by("pk")
        .only(
            "pk",
            "client_id",
            "product_name",
            "description",
            "billing_cycle",
            "recurring_amount",
            "registration_date",
            "next_due_date",
        )
    )
    plan = _plan_batch(clients=clients, services=services, today=today, horizon=horizon)
    if not plan.invoices:
        return plan
    Invoice.objects.bulk_create(plan.invoices)
    items = []
    for index, lines in plan.items.items():
        for line in lines:
            line.invoice = plan.invoices[index]
            items.append(line)
    InvoiceItem.objects.bulk_create(items)
    _set_next_due_dates(plan.next_due_dates)
    entries = [
        CreditEntry(
            client=invoice.client,
            date=today,
            amount=-invoice.credit_applied,
            kind=CreditEntry.Kind.APPLIED,
            description=CREDIT_APPLIED_DESCRIPTION.format(number=invoice.number),
            invoice=invoice,
            **actor_fields(actor),
        )
        for invoice in plan.invoices
        if invoice.credit_applied
    ]
    if entries:
        _write_credit_entries(entries, plan.new_balances)
    return plan


def invoices_generate(
    *,
    today: date,
    actor=None,
    dry_run: bool = False,
    batch_size: int = GENERATION_BATCH_SIZE,
    progress=None,
) -> GenerationResult:
    """The daily run: invoice every Active service due within INVOICE_DAYS_IN_ADVANCE of
    ``today``, advance its next due date, apply credit when AUTO_APPLY_CREDIT is on.

    Each batch of clients is its own transaction, so a run killed half-way keeps the batches
    it finished and a rerun picks up only what is still due. ``dry_run`` plans without locks
    or writes. ``progress`` is called with the running result after each batch.
    """
    horizon = today + timedelta(days=settings.INVOICE_DAYS_IN_ADVANCE)
    client_ids = selectors.client_ids_with_services_due(horizon=horizon)
    result = GenerationResult()
    for start in range(0, len(client_ids), batch_size):
        batch = client_ids[start : start + batch_size]
        if dry_run:
            plan = _plan_batch(
                clients=list(Client.objects.filter(pk__in=batch)),
                services=list(selectors.services_due(horizon=horizon).filter(client_id__in=batch)),
                today=today,
                horizon=horizon,
            )
        else:
            plan = _generate_batch(client_ids=batch, today=today, horizon=horizon, actor=actor)
        result.batches += 1
        result.invoices += len(plan.invoices)
        result.items += sum(len(lines) for lines in plan.items.values())
        for invoice in plan.invoices:
            result.total += invoice.total
            result.credit_applied += invoice.credit_applied
            result.paid_by_credit += invoice.status == Invoice.Status.PAID
        if progress is not None:
            progress(result)
    return result
