"""Payments on invoices (WHMCS AddInvoicePayment): each is a ``transactions.Transaction`` row."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing_admin.money import ZERO, parse_money_field
from credits.models import CreditEntry
from credits.services import REQUEST_KEY_REUSED, record_credit_entry
from invoices import selectors
from invoices.models import Invoice, InvoiceEvent
from invoices.services.shared import (
    lock_client_and_invoice,
    save_money_change,
    settle,
)
from transactions.models import Transaction
from transactions.services import transaction_create

PAYMENT_ON_CANCELLED = "It is not possible to add a payment to an invoice that is Cancelled"
PAYMENT_NOT_ACCEPTED = "Payments can only be added to an unpaid invoice; this one is {status}."
PAYMENT_NOT_POSITIVE = "The payment amount must be greater than zero."
GATEWAY_REQUIRED = "Payment Method is required"
OVERPAYMENT_DESCRIPTION = "Overpayment on invoice #{number}"
PAYMENT_DESCRIPTION = "Invoice Payment"


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
    if request_key is not None:
        # Under the invoice's lock, so a concurrent twin of this submit sees the first payment.
        done = Transaction.objects.filter(request_key=request_key).first()
        if done is not None:
            if done.invoice_id != invoice.pk:
                raise ValidationError(REQUEST_KEY_REUSED)
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
    before = (invoice.status, invoice.balance_due)
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
    settle(invoice, paid_at=paid_at)
    save_money_change(
        invoice, kind=InvoiceEvent.Kind.PAYMENT, amount=amount, before=before, actor=actor
    )
    return txn


def _as_datetime(value: date | datetime) -> datetime:
    """A payment date as an aware datetime: a bare date means the start of that day."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    return value if timezone.is_aware(value) else timezone.make_aware(value)
