"""Applying a client's credit to an invoice and taking it back (WHMCS ApplyCredit).

Credit moves only through the credits ledger (``record_credit_entry``), which alone writes
balances. Credit can be removed from an Unpaid or Paid invoice; a Paid invoice that is no longer
covered goes back to Unpaid (WHMCS leaves this open).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from billing_admin.money import ZERO, parse_money_field
from clients.models import Client
from credits.models import CreditEntry
from credits.services import REQUEST_KEY_REUSED, credit_request_done, record_credit_entry
from invoices.models import Invoice, InvoiceEvent
from invoices.services.shared import (
    CREDIT_APPLIED_DESCRIPTION,
    lock_client_and_invoice,
    save_money_change,
    settle,
)

NOT_UNPAID = "Invoice Not in Unpaid Status"
CREDIT_NOT_POSITIVE = "Credit Amount to apply must be greater than zero"
EXCEEDS_CREDIT_BALANCE = "Amount exceeds customer credit balance"
EXCEEDS_INVOICE_BALANCE = "Amount Exceeds Invoice Balance"
CREDIT_NOT_REMOVABLE = "Credit can only be removed from an Unpaid or Paid invoice."
REMOVE_NOT_POSITIVE = "The amount to remove must be greater than zero."
EXCEEDS_CREDIT_APPLIED = "Only {applied} credit is applied to this invoice."
CREDIT_REMOVED_DESCRIPTION = "Credit removed from invoice #{number}"


def apply_credit_locked(
    *, client: Client, invoice: Invoice, amount: Decimal, actor, request_key=None
) -> CreditEntry:
    before = (invoice.status, invoice.balance_due)
    entry = record_credit_entry(
        client=client,
        amount=-amount,
        kind=CreditEntry.Kind.APPLIED,
        description=CREDIT_APPLIED_DESCRIPTION.format(number=invoice.number),
        actor=actor,
        invoice=invoice,
        request_key=request_key,
    )
    invoice.credit_applied += amount
    settle(invoice)
    save_money_change(
        invoice, kind=InvoiceEvent.Kind.CREDIT_APPLIED, amount=amount, before=before, actor=actor
    )
    return entry


@transaction.atomic
def invoice_apply_credit(*, invoice_id: int, amount=None, actor, request_key=None) -> CreditEntry:
    """Apply the client's credit to an Unpaid invoice (WHMCS ApplyCredit).

    ``amount`` defaults to the most possible, min(credit balance, balance due). The returned
    entry's ``invoice`` shows whether the invoice is now Paid. ``request_key`` (a UUID from the
    form) makes a repeated submit return the first entry.
    """
    client, invoice = lock_client_and_invoice(invoice_id)
    done = _repeated(request_key, client, invoice, CreditEntry.Kind.APPLIED)
    if done is not None:
        return done
    if invoice.status != Invoice.Status.UNPAID:
        raise ValidationError(NOT_UNPAID)
    if amount is None:
        amount = min(client.credit_balance, invoice.balance_due)
    amount = parse_money_field(amount)
    if amount <= ZERO:
        raise ValidationError({"amount": CREDIT_NOT_POSITIVE})
    if amount > client.credit_balance:
        raise ValidationError({"amount": EXCEEDS_CREDIT_BALANCE})
    if amount > invoice.balance_due:
        raise ValidationError({"amount": EXCEEDS_INVOICE_BALANCE})
    return apply_credit_locked(
        client=client, invoice=invoice, amount=amount, actor=actor, request_key=request_key
    )


@transaction.atomic
def invoice_remove_credit(*, invoice_id: int, amount, actor, request_key=None) -> CreditEntry:
    """Return credit applied to an Unpaid or Paid invoice to the client's balance
    (``request_key`` as for ``invoice_apply_credit``)."""
    client, invoice = lock_client_and_invoice(invoice_id)
    done = _repeated(request_key, client, invoice, CreditEntry.Kind.UNAPPLIED)
    if done is not None:
        return done
    if invoice.status not in (Invoice.Status.UNPAID, Invoice.Status.PAID):
        raise ValidationError(CREDIT_NOT_REMOVABLE)
    amount = parse_money_field(amount)
    if amount <= ZERO:
        raise ValidationError({"amount": REMOVE_NOT_POSITIVE})
    if amount > invoice.credit_applied:
        raise ValidationError(
            {"amount": EXCEEDS_CREDIT_APPLIED.format(applied=invoice.credit_applied)}
        )
    before = (invoice.status, invoice.balance_due)
    entry = record_credit_entry(
        client=client,
        amount=amount,
        kind=CreditEntry.Kind.UNAPPLIED,
        description=CREDIT_REMOVED_DESCRIPTION.format(number=invoice.number),
        actor=actor,
        invoice=invoice,
        request_key=request_key,
    )
    invoice.credit_applied -= amount
    settle(invoice)
    save_money_change(
        invoice, kind=InvoiceEvent.Kind.CREDIT_REMOVED, amount=amount, before=before, actor=actor
    )
    return entry


def _repeated(request_key, client: Client, invoice: Invoice, kind: str) -> CreditEntry | None:
    """The entry of an earlier submit with ``request_key``, checked before the amount, which
    that submit already moved (a repeat must not fail "exceeds balance" instead)."""
    done = credit_request_done(request_key, client_id=client.pk, kind=kind)
    if done is not None and done.invoice_id != invoice.pk:
        raise ValidationError(REQUEST_KEY_REUSED)
    return done
