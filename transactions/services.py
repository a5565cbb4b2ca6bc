"""Writes to the transactions ledger. Transactions are income: they outlive their client."""

from django.db import transaction

from billing_admin.actors import actor_fields
from billing_admin.money import ZERO, to_money
from transactions.models import Transaction


@transaction.atomic
def transaction_create(
    *,
    gateway: str,
    actor,
    client=None,
    invoice=None,
    amount_in=ZERO,
    fees=ZERO,
    amount_out=ZERO,
    transaction_id: str = "",
    description: str = "",
    currency: str | None = None,
    date=None,
) -> Transaction:
    """Record money in or out, copying the client's and invoice's identity onto the row."""
    client = client or (invoice.client if invoice is not None else None)
    txn = Transaction(
        gateway=gateway,
        client=client,
        invoice=invoice,
        amount_in=to_money(amount_in),
        fees=to_money(fees),
        amount_out=to_money(amount_out),
        transaction_id=transaction_id,
        description=description,
        currency=currency or (client.currency if client else ""),
        invoice_number=invoice.number if invoice is not None else "",
        **actor_fields(actor),
    )
    if date is not None:
        txn.date = date
    if client is not None:
        txn.client_snapshot_id = client.pk
        txn.client_name = client.full_name
        txn.client_company = client.company_name
        txn.client_email = client.email
    txn.full_clean(exclude=["client", "invoice", "actor_user"])
    txn.save()
    return txn
