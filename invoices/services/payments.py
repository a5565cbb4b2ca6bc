"""Money on invoices: each payment or refund is a ``transactions.Transaction`` row linked to the
invoice, and moves the invoice in the same database transaction (as WHMCS, where an invoice's
balance is its total less the transactions linked to it).

Two entry points share one rule: ``payment_record`` (WHMCS AddInvoicePayment, the invoice page's
Add Payment) and ``invoice_transaction_record`` (WHMCS AddTransaction with an ``invoiceid``, the
admin's Transactions > Add with an invoice chosen). The rule, under the client's and the
invoice's locks:

- **Money in** is a payment (``_take_payment``): the part up to the balance due raises
  ``amount_paid`` (the invoice goes Paid when covered, paid at the transaction's date), any excess
  becomes client credit as an overpayment entry, and a payment event is recorded. On an invoice
  that is no longer open (Paid, Cancelled, Refunded) the whole amount becomes client credit.
- **Money out** is a refund of money paid on the invoice (``_take_refund``): it lowers
  ``amount_paid`` (a Paid invoice goes back to Unpaid), never below zero, and a refund event is
  recorded.
- Neither on a Draft invoice: it is not issued.

Deleting a transaction (``transactions_delete``, the admin's Transactions delete page and
action) undoes exactly what it did, under the same locks: a payment's part that paid the invoice
comes off ``amount_paid`` (a Paid invoice is Unpaid again) and the credit its overpayment added
(kept on the transaction as ``overpayment``) is taken back from the client; a refund's amount
goes back on ``amount_paid``. Refused, with nothing changed, when the client has since spent
that credit or the invoice can no longer take the change (refunded or paid again since).

So every transaction linked to an invoice is matched, to the cent, by a change of that invoice's
``amount_paid`` or an overpayment credit entry, and the account statement (which counts those
transactions) closes at the open invoices' balance due less the credit balance.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing_admin.actors import actor_fields
from billing_admin.money import ZERO, format_money, parse_money_field
from clients.models import Client
from credits.models import CreditEntry
from credits.services import REQUEST_KEY_REUSED, record_credit_entries, record_credit_entry
from invoices import selectors
from invoices.models import Invoice, InvoiceEvent
from invoices.services.shared import (
    lock_client_and_invoice,
    lock_clients_and_invoices,
    save_events,
    save_money_change,
    settle,
    status_change_events,
)
from transactions.models import Transaction, TransactionDeletion
from transactions.services import (
    CURRENCY_NOT_CLIENTS,
    INVOICE_NOT_CLIENTS,
    lock_transactions,
    transaction_create,
    transaction_rows_delete,
)

PAYMENT_ON_CANCELLED = "It is not possible to add a payment to an invoice that is Cancelled"
PAYMENT_NOT_ACCEPTED = "Payments can only be added to an unpaid invoice; this one is {status}."
PAYMENT_NOT_POSITIVE = "The payment amount must be greater than zero."
GATEWAY_REQUIRED = "Payment Method is required"
OVERPAYMENT_DESCRIPTION = "Overpayment on invoice #{number}"
PAYMENT_DESCRIPTION = "Invoice Payment"
MONEY_ON_DRAFT = "A Draft invoice is not issued: publish it before recording money against it."
INVOICE_MONEY_REQUIRED = (
    "A transaction on an invoice needs an amount in (a payment) or an amount out (a refund)."
)
INVOICE_MONEY_BOTH_WAYS = (
    "A transaction on an invoice is a payment (amount in) or a refund (amount out), not both: "
    "record them as two transactions."
)
INVOICE_MONEY_NEGATIVE = "Amounts in and out of an invoice cannot be negative."
REFUND_NOT_ACCEPTED = "A refund cannot be recorded on a {status} invoice."
REFUND_EXCEEDS_PAID = "The refund is more than was paid on the invoice ({paid})."
OVERPAYMENT_REVERSED_DESCRIPTION = (
    "Overpayment on invoice #{number} taken back: transaction #{pk} deleted"
)
DELETE_CREDIT_SPENT = (
    "Nothing was deleted: the overpayment credit of transaction(s) {pks} ({amount}) would be "
    "taken back, but the client has only {available} of credit left (it has been used). "
    "Take the credit back from the invoices it paid, or add credit, first."
)
DELETE_REFUNDED_SINCE = (
    "Nothing was deleted: invoice #{number} has had part of what transaction(s) {pks} paid "
    "refunded since, so less than nothing would be paid on it. Delete the refund first."
)
DELETE_PAID_AGAIN = (
    "Nothing was deleted: invoice #{number} has been paid again since the refund of "
    "transaction(s) {pks}, so it would be paid more than it is due. Delete that payment first."
)
DELETE_INVOICES_CHANGED = "The transactions changed while being deleted; nothing was deleted."
# Statuses a refund may be recorded on: its amount_paid is what the statement counts as paid.
# (Refunded is set by no service here; refunding one again would break the statement.)
REFUNDABLE_STATUSES = (*selectors.OPEN_STATUSES, Invoice.Status.PAID, Invoice.Status.CANCELLED)


def _already_recorded(request_key, invoice: Invoice) -> Transaction | None:
    """The transaction a first submit of this form recorded, if any. Called under the invoice's
    lock, so a concurrent twin of the submit sees the first one; a key used on another invoice
    is refused."""
    if request_key is None:
        return None
    done = Transaction.objects.filter(request_key=request_key).first()
    if done is not None and done.invoice_id != invoice.pk:
        raise ValidationError(REQUEST_KEY_REUSED)
    return done


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
    request_key=None,
) -> Transaction:
    """Record a payment on an invoice (WHMCS AddInvoicePayment) as a Transaction.

    ``amount`` defaults to the balance due. Paid in full: the invoice is Paid (paid at ``date``).
    Overpaid: ``amount_paid`` stops at the balance due and the excess becomes client credit.
    ``request_key`` (a UUID from the form) makes a repeated submit return the first payment.
    """
    client, invoice = lock_client_and_invoice(invoice_id)
    done = _already_recorded(request_key, invoice)
    if done is not None:
        return done
    if invoice.status == Invoice.Status.CANCELLED:
        raise ValidationError(PAYMENT_ON_CANCELLED)
    if invoice.status not in selectors.OPEN_STATUSES:
        raise ValidationError(PAYMENT_NOT_ACCEPTED.format(status=invoice.status))
    if not gateway or not gateway.strip():
        raise ValidationError({"gateway": GATEWAY_REQUIRED})
    amount = invoice.balance_due if amount is None else parse_money_field(amount)
    if amount <= ZERO:
        raise ValidationError({"amount": PAYMENT_NOT_POSITIVE})
    paid_at = _as_datetime(date) if date else timezone.now()
    txn = transaction_create(
        gateway=gateway.strip(),
        actor=actor,
        client=client,
        invoice=invoice,
        amount_in=amount,
        fees=parse_money_field(fees, field="fees"),
        transaction_id=transaction_id.strip(),
        description=PAYMENT_DESCRIPTION,
        currency=invoice.currency,
        date=paid_at,
        request_key=request_key,
        overpayment=_overpayment(invoice, amount),
    )
    _take_payment(client=client, invoice=invoice, txn=txn, actor=actor)
    return txn


@transaction.atomic
def invoice_transaction_record(
    *,
    invoice_id: int,
    gateway: str,
    actor,
    client: Client | None = None,
    amount_in=ZERO,
    fees=ZERO,
    amount_out=ZERO,
    transaction_id: str = "",
    description: str = "",
    currency: str | None = None,
    date: date | datetime | None = None,
    allow_duplicate_transaction_id: bool = True,
    request_key=None,
) -> Transaction:
    """Record a transaction against an invoice (WHMCS AddTransaction with ``invoiceid``, the
    admin's Add Transaction with an invoice) and move the invoice by it, in one transaction.

    ``amount_in`` is a payment of the invoice, by payment_record's rule (``_take_payment``):
    up to the balance due it is paid, the excess (or all of it, when the invoice is no longer
    open) becomes client credit. ``amount_out`` is a refund (``_take_refund``): it lowers what was
    paid on the invoice and is refused beyond it. One of the two, not both; neither on a Draft.
    ``client``, when given, must own the invoice. The other arguments are transaction_create's.
    """
    locked_client, invoice = lock_client_and_invoice(invoice_id)
    if client is not None and client.pk != locked_client.pk:
        raise ValidationError({"invoice": INVOICE_NOT_CLIENTS})
    done = _already_recorded(request_key, invoice)
    if done is not None:
        return done
    if invoice.status == Invoice.Status.DRAFT:
        raise ValidationError(MONEY_ON_DRAFT)
    if currency and currency != invoice.currency:
        raise ValidationError(
            {"currency": CURRENCY_NOT_CLIENTS.format(currency=locked_client.currency)}
        )
    amount_in = parse_money_field(amount_in, field="amount_in")
    amount_out = parse_money_field(amount_out, field="amount_out")
    if amount_in < ZERO or amount_out < ZERO:
        raise ValidationError(INVOICE_MONEY_NEGATIVE)
    if amount_in > ZERO and amount_out > ZERO:
        raise ValidationError(INVOICE_MONEY_BOTH_WAYS)
    if amount_in == ZERO and amount_out == ZERO:
        raise ValidationError(INVOICE_MONEY_REQUIRED)
    if amount_out > ZERO:
        _check_refund(invoice, amount_out)
    txn = transaction_create(
        gateway=gateway,
        actor=actor,
        client=locked_client,
        invoice=invoice,
        amount_in=amount_in,
        fees=fees,
        amount_out=amount_out,
        transaction_id=transaction_id,
        description=description,
        currency=currency or invoice.currency,
        date=_as_datetime(date) if date else None,
        allow_duplicate_transaction_id=allow_duplicate_transaction_id,
        request_key=request_key,
        overpayment=_overpayment(invoice, amount_in),
    )
    if amount_in > ZERO:
        _take_payment(client=locked_client, invoice=invoice, txn=txn, actor=actor)
    else:
        _take_refund(invoice=invoice, amount=amount_out, actor=actor)
    return txn


def _take_payment(*, client: Client, invoice: Invoice, txn: Transaction, actor) -> None:
    """Move a locked invoice of a locked client by the payment ``txn`` just recorded on it (the
    rule of every payment), by the split the transaction keeps (``_overpayment``).

    The covered part raises ``amount_paid`` (Paid when nothing is left, at the transaction's
    date); the transaction's ``overpayment`` becomes client credit as an overpayment entry. A
    payment event records the amount and the balance due.
    """
    before = (invoice.status, invoice.balance_due)
    if txn.overpayment > ZERO:
        record_credit_entry(
            client=client,
            amount=txn.overpayment,
            kind=CreditEntry.Kind.OVERPAYMENT,
            description=OVERPAYMENT_DESCRIPTION.format(number=invoice.number),
            actor=actor,
            invoice=invoice,
        )
    invoice.amount_paid += txn.amount_in - txn.overpayment
    settle(invoice, paid_at=txn.date)
    save_money_change(
        invoice, kind=InvoiceEvent.Kind.PAYMENT, amount=txn.amount_in, before=before, actor=actor
    )


def _overpayment(invoice: Invoice, amount) -> Decimal:
    """The part of money received on ``invoice`` as it is now that becomes client credit: beyond
    the balance due of an open invoice, or all of it on one no longer open. The transaction
    keeps it (its ``overpayment``), so the payment and its deletion use the same split."""
    if invoice.status not in selectors.OPEN_STATUSES:
        return amount
    return amount - min(amount, invoice.balance_due)


def _check_refund(invoice: Invoice, amount) -> None:
    if invoice.status not in REFUNDABLE_STATUSES:
        raise ValidationError(REFUND_NOT_ACCEPTED.format(status=invoice.status))
    if amount > invoice.amount_paid:
        raise ValidationError({"amount_out": REFUND_EXCEEDS_PAID.format(paid=invoice.amount_paid)})


def _take_refund(*, invoice: Invoice, amount, actor) -> None:
    """Money paid back on a locked invoice: what was paid on it goes down by ``amount`` (a Paid
    invoice is Unpaid again), and a refund event records it. ``_check_refund`` first."""
    _check_refund(invoice, amount)
    before = (invoice.status, invoice.balance_due)
    invoice.amount_paid -= amount
    settle(invoice)
    save_money_change(
        invoice, kind=InvoiceEvent.Kind.REFUND, amount=amount, before=before, actor=actor
    )


@transaction.atomic
def transactions_delete(*, ids, actor) -> list[TransactionDeletion]:
    """Delete transactions, undoing what each did to its invoice (the rule in the module's
    docstring), and leave a TransactionDeletion (who, when, what) for each.

    All or nothing. Locks, in the order every writer uses: the clients of the linked invoices,
    the invoices, then the transactions (pk order each). Per invoice one status and amount
    update and one event per deleted transaction (``payment_deleted``/``refund_deleted``, the
    balance due before and after) plus a status event when it went back to Unpaid or on to
    Paid; per client one ledger write of ``overpayment_reversed`` entries. Transactions linked
    to no invoice (or to one deleted since) are only deleted.
    """
    invoice_ids = set(
        Transaction.objects.filter(pk__in=set(ids), invoice__isnull=False).values_list(
            "invoice_id", flat=True
        )
    )
    clients, invoices = lock_clients_and_invoices(invoice_ids) if invoice_ids else ({}, {})
    txns = lock_transactions(ids)
    by_invoice: dict[int, list[Transaction]] = {}
    for txn in txns:
        if txn.invoice_id is None:
            continue
        if txn.invoice_id not in invoices:
            # Linked after our lookup: invoice links are never changed, so this is not our row.
            raise ValidationError(DELETE_INVOICES_CHANGED)
        by_invoice.setdefault(txn.invoice_id, []).append(txn)
    events: list[InvoiceEvent] = []
    # (transaction, the entry taking its overpayment credit back)
    reversals: list[tuple[Transaction, CreditEntry]] = []
    audit = actor_fields(actor)
    for invoice_id, linked in by_invoice.items():
        invoice = invoices[invoice_id]
        events += _undo_on_invoice(invoice, linked)
        reversals += [
            (
                txn,
                CreditEntry(
                    client=invoice.client,
                    invoice=invoice,
                    amount=-txn.overpayment,
                    kind=CreditEntry.Kind.OVERPAYMENT_REVERSED,
                    description=OVERPAYMENT_REVERSED_DESCRIPTION.format(
                        number=invoice.number, pk=txn.pk
                    ),
                    **audit,
                ),
            )
            for txn in linked
            if txn.overpayment > ZERO
        ]
    _check_credit_to_take_back(clients, reversals)
    if by_invoice:
        changed = [invoices[invoice_id] for invoice_id in by_invoice]
        Invoice.objects.bulk_update(changed, ["status", "paid_at", "amount_paid", "updated_at"])
        save_events(events, actor)
        record_credit_entries(clients=clients.values(), entries=[entry for _, entry in reversals])
    return transaction_rows_delete(txns=txns, actor=actor)


def _undo_on_invoice(invoice: Invoice, txns: list[Transaction]) -> list[InvoiceEvent]:
    """Take the locked ``txns`` off the locked ``invoice`` (in memory) and return its unsaved
    events; ValidationError when the invoice cannot take the result."""
    old_status = invoice.status
    events = []
    for txn in txns:
        before = invoice.balance_due
        if txn.amount_in > ZERO:
            kind, amount = InvoiceEvent.Kind.PAYMENT_DELETED, txn.amount_in
            invoice.amount_paid -= txn.amount_in - txn.overpayment
        elif txn.amount_out > ZERO:
            kind, amount = InvoiceEvent.Kind.REFUND_DELETED, txn.amount_out
            invoice.amount_paid += txn.amount_out
        else:
            continue
        events.append(
            InvoiceEvent(
                kind=kind,
                amount=amount,
                old_value=str(before),
                new_value=str(invoice.balance_due),
            )
        )
    # Only where the invoice ends up matters (a payment and its refund may go together).
    pks = ", ".join(f"#{txn.pk}" for txn in txns)
    if invoice.amount_paid < ZERO:
        raise ValidationError(DELETE_REFUNDED_SINCE.format(number=invoice.number, pks=pks))
    if invoice.balance_due < ZERO:
        raise ValidationError(DELETE_PAID_AGAIN.format(number=invoice.number, pks=pks))
    settle(invoice)
    invoice.updated_at = timezone.now()
    events += status_change_events(invoice, old_status)
    for event in events:
        event.invoice = invoice
    return events


def _check_credit_to_take_back(
    clients: dict[int, Client], reversals: list[tuple[Transaction, CreditEntry]]
) -> None:
    """Refuse, naming the transactions, when a client has spent the overpayment credit that
    deleting them would take back (record_credit_entries would refuse it less helpfully)."""
    by_client: dict[int, list[tuple[Transaction, CreditEntry]]] = {}
    for txn, entry in reversals:
        by_client.setdefault(entry.client_id, []).append((txn, entry))
    for client_id, pairs in by_client.items():
        amount = -sum(entry.amount for _, entry in pairs)
        available = clients[client_id].credit_balance
        if amount > available:
            raise ValidationError(
                DELETE_CREDIT_SPENT.format(
                    pks=", ".join(f"#{txn.pk}" for txn, _ in pairs),
                    amount=format_money(amount),
                    available=format_money(available),
                )
            )


def _as_datetime(value: date | datetime) -> datetime:
    """A payment date as an aware datetime: a bare date means the start of that day."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    return value if timezone.is_aware(value) else timezone.make_aware(value)
