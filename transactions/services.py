"""Writes to the transactions ledger. Transactions are income: they outlive their client."""

from django.core.exceptions import ValidationError
from django.db import transaction

from billing_admin.actors import actor_fields
from billing_admin.money import ZERO, to_money
from transactions.models import Transaction, TransactionDeletion

DESCRIPTION_REQUIRED = "A description is required when the transaction is not for an invoice."
INVOICE_NOT_CLIENTS = "The invoice belongs to another client."
NOTHING_SELECTED = "Select at least one transaction to delete."
TRANSACTIONS_GONE = "Some of the selected transactions no longer exist; nothing was deleted."

# The columns a TransactionDeletion copies from the transaction it records.
DELETION_SNAPSHOT_FIELDS = (
    "date",
    "client_snapshot_id",
    "client_name",
    "gateway",
    "transaction_id",
    "description",
    "amount_in",
    "fees",
    "amount_out",
    "currency",
    "invoice_number",
)


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
    if invoice is None and not description.strip():
        raise ValidationError({"description": DESCRIPTION_REQUIRED})
    if invoice is not None and client is not None and invoice.client_id != client.pk:
        raise ValidationError({"invoice": INVOICE_NOT_CLIENTS})
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


@transaction.atomic
def transactions_delete(*, ids, actor) -> list[TransactionDeletion]:
    """Delete transactions, leaving a TransactionDeletion (who, when, what) for each.

    All or nothing: the rows are locked in pk order, and if any has gone meanwhile nothing is
    deleted. Staff use this to remove a client's income before deleting the client.
    """
    ids = sorted(set(ids))
    if not ids:
        raise ValidationError(NOTHING_SELECTED, code="required")
    txns = list(Transaction.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(txns) != len(ids):
        raise ValidationError(TRANSACTIONS_GONE, code="not_found")
    deletions = [
        TransactionDeletion(
            transaction_pk=txn.pk,
            **{field: getattr(txn, field) for field in DELETION_SNAPSHOT_FIELDS},
            **actor_fields(actor),
        )
        for txn in txns
    ]
    for deletion in deletions:
        deletion.full_clean(exclude=["actor_user"])
    deletions = TransactionDeletion.objects.bulk_create(deletions)
    # Nothing points at a transaction, so this is a single DELETE.
    Transaction.objects.filter(pk__in=ids).delete()
    return deletions
