"""Writes to the transactions ledger. Transactions are income: they outlive their client."""

import hashlib
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from billing_admin.actors import actor_fields, actor_user
from billing_admin.money import ZERO, parse_money_field, to_money
from clients.models import Client, ClientDeletion
from clients.services import client_delete as clients_client_delete
from credits.models import CreditEntry
from credits.services import (
    AMOUNT_NOT_POSITIVE,
    lock_client,
    lock_existing_client,
    record_credit_entry,
)
from transactions.models import Transaction, TransactionChange, TransactionDeletion
from transactions.payment_methods import payment_method_module

DESCRIPTION_REQUIRED = "A description is required when the transaction is not for an invoice."
INVOICE_NOT_CLIENTS = "The invoice belongs to another client."
# WHMCS's wording, which the API passes on unchanged.
TRANSACTION_ID_TAKEN = "Transaction ID must be Unique"
CURRENCY_NOT_CLIENTS = "The currency must be the client's currency ({currency})."
TRANSACTION_NOT_FOUND = "Transaction not found."
INVOICE_PAYMENT_FROZEN = (
    "The amounts and client of an invoice payment cannot be edited: the invoice's balance was "
    "computed from them."
)

# First key of the two-key advisory lock on a gateway transaction id; the second is its hash.
# (PostgreSQL keeps two-key and one-key advisory locks apart, so this cannot meet bench's lock.)
TRANSACTION_ID_LOCK_CLASS = 0x7472_6964  # "trid"

# What staff or a script give when recording a transaction (transaction_create's arguments,
# the Add Transaction form's fields); the rest of the row is copied or derived.
TRANSACTION_INPUT_FIELDS = (
    "date",
    "client",
    "invoice",
    "gateway",
    "transaction_id",
    "description",
    "amount_in",
    "fees",
    "amount_out",
    "currency",
)
# The columns transaction_update may change. The invoice link is not among them: a payment is
# recorded on the invoice (invoices.services.payment_record), which also moves its balance.
EDITABLE_FIELDS = frozenset(TRANSACTION_INPUT_FIELDS) - {"invoice"}
MONEY_FIELDS = Transaction.AMOUNT_FIELDS
DELETE_PERMISSION = "transactions.delete_transaction"
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
    allow_duplicate_transaction_id: bool = True,
    request_key=None,
    overpayment=ZERO,
) -> Transaction:
    """Record money in or out, copying the client's and invoice's identity onto the row.

    With an ``invoice`` this only links the row to it; it does not move the invoice. Money on an
    invoice is recorded through ``invoices.services.payments`` (payment_record,
    invoice_transaction_record), which call this and move the invoice in the same transaction:
    entry points call those, or the statement would count a payment the invoice never saw.
    ``overpayment`` is theirs to give: the part of ``amount_in`` they turn into client credit.

    A non-blank ``transaction_id`` must be unique unless ``allow_duplicate_transaction_id``
    (WHMCS's AddTransaction ``allowduplicatetransid``). The default allows duplicates because
    only AddTransaction documents the rule: WHMCS's AddInvoicePayment and the admin's payment and
    transaction forms accept a reference seen before (one bank transfer may pay two invoices).
    """
    if invoice is None and not description.strip():
        raise ValidationError({"description": DESCRIPTION_REQUIRED})
    if invoice is not None and client is not None and invoice.client_id != client.pk:
        raise ValidationError({"invoice": INVOICE_NOT_CLIENTS})
    client = client or (invoice.client if invoice is not None else None)
    if client is not None:
        # Locked so a deletion racing this insert waits for it (and then detaches it, as it
        # does every transaction) instead of failing the insert's foreign key at commit.
        client = lock_existing_client(client.pk)
    if request_key is not None:
        # A repeated submit of the same form: its transaction, nothing more. Under the client's
        # lock a concurrent twin waits for the first; the unique column is the backstop.
        done = Transaction.objects.filter(request_key=request_key).first()
        if done is not None:
            return done
    if transaction_id and not allow_duplicate_transaction_id:
        _check_transaction_id_free(transaction_id)
    txn = Transaction(
        gateway=payment_method_module(gateway),
        client=client,
        invoice=invoice,
        amount_in=to_money(amount_in),
        fees=to_money(fees),
        amount_out=to_money(amount_out),
        transaction_id=transaction_id,
        description=description,
        currency=currency or (client.currency if client else ""),
        invoice_number=invoice.number if invoice is not None else "",
        overpayment=to_money(overpayment),
        request_key=request_key,
        **actor_fields(actor),
    )
    if date is not None:
        txn.date = date
    _copy_client_identity(txn, client)
    txn.full_clean(exclude=["client", "invoice", "actor_user"])
    txn.save()
    return txn


def _copy_client_identity(txn: Transaction, client: Client | None) -> None:
    """The snapshot that keeps the transaction readable after its client is deleted."""
    if client is not None:
        txn.client_snapshot_id = client.pk
        txn.client_name = client.full_name
        txn.client_company = client.company_name
        txn.client_email = client.email


def _check_transaction_id_free(transaction_id: str, *, other_than: int | None = None) -> None:
    """Refuse a gateway transaction id another transaction already has.

    No unique index can say this (duplicates are allowed on request), so writers of the same id
    queue on a transaction-scoped advisory lock keyed on it; the check after the lock sees every
    committed row (READ COMMITTED), and our own row is committed before the lock is released.
    """
    key = int.from_bytes(
        hashlib.blake2b(transaction_id.encode(), digest_size=4).digest(), "big", signed=True
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TRANSACTION_ID_LOCK_CLASS, key])
    taken = Transaction.objects.filter(transaction_id=transaction_id)
    if other_than is not None:
        taken = taken.exclude(pk=other_than)
    if taken.exists():
        raise ValidationError({"transaction_id": TRANSACTION_ID_TAKEN})


def _check_currency_is_clients(currency: str | None, client: Client) -> None:
    if currency and currency != client.currency:
        raise ValidationError({"currency": CURRENCY_NOT_CLIENTS.format(currency=client.currency)})


@transaction.atomic
def transaction_create_as_credit(
    *,
    client_id: int,
    gateway: str,
    amount_in,
    description: str,
    actor,
    fees=ZERO,
    amount_out=ZERO,
    transaction_id: str = "",
    currency: str | None = None,
    date=None,
    allow_duplicate_transaction_id: bool = True,
) -> tuple[Transaction, CreditEntry]:
    """Money received as credit (WHMCS AddTransaction with ``credit=true``): the transaction and
    the credit entry for its ``amount_in``, written together with the client row locked."""
    client = lock_existing_client(client_id)
    _check_currency_is_clients(currency, client)
    amount_in = parse_money_field(amount_in, field="amount_in")
    if amount_in <= ZERO:
        raise ValidationError({"amount_in": AMOUNT_NOT_POSITIVE})
    txn = transaction_create(
        gateway=gateway,
        actor=actor,
        client=client,
        amount_in=amount_in,
        fees=fees,
        amount_out=amount_out,
        transaction_id=transaction_id,
        description=description,
        currency=currency,
        date=date,
        allow_duplicate_transaction_id=allow_duplicate_transaction_id,
    )
    entry = record_credit_entry(
        client=client,
        amount=txn.amount_in,
        # Credit put on the account on purpose by staff or their API: "added", like Add Credit.
        kind=CreditEntry.Kind.ADDED,
        description=description,
        actor=actor,
        date=timezone.localdate(txn.date),
    )
    return txn, entry


def _audit_value(value):
    """A column's value as JSON: model instances by pk, money and moments as text."""
    if isinstance(value, Client):
        return value.pk
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@transaction.atomic
def transaction_update(
    *, transaction_pk: int, actor, allow_duplicate_transaction_id: bool = True, **fields
) -> Transaction:
    """Edit a transaction (WHMCS UpdateTransaction), recording who changed what from what.

    ``fields`` are columns named in EDITABLE_FIELDS (``client`` a Client). A new client must
    match the currency and refreshes the client snapshot. An invoice payment keeps its amounts
    and client: the invoice's paid amount was computed from them. A changed ``transaction_id``
    is checked for uniqueness only when ``allow_duplicate_transaction_id`` is False.
    """
    unknown = fields.keys() - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"transaction_update() cannot change {sorted(unknown)}")
    txn = Transaction.objects.select_for_update().filter(pk=transaction_pk).first()
    if txn is None:
        raise ValidationError(TRANSACTION_NOT_FOUND, code="not_found")
    for field in MONEY_FIELDS:
        if field in fields:
            fields[field] = parse_money_field(fields[field], field=field)
    if "gateway" in fields:
        fields["gateway"] = payment_method_module(fields["gateway"])
    changes = {
        field: {"old": _audit_value(getattr(txn, field)), "new": _audit_value(value)}
        for field, value in fields.items()
        if getattr(txn, field) != value
    }
    if not changes:
        return txn
    if txn.invoice_id is not None and changes.keys() & {"client", *MONEY_FIELDS}:
        raise ValidationError(INVOICE_PAYMENT_FROZEN, code="invoice_payment")
    for field, value in fields.items():
        setattr(txn, field, value)
    if "client" in changes and txn.client is not None:
        txn.client = lock_existing_client(txn.client_id)  # see transaction_create
    if txn.client is not None:
        _check_currency_is_clients(txn.currency, txn.client)
    if "client" in changes:
        _copy_client_identity(txn, txn.client)
    if "transaction_id" in changes and txn.transaction_id and not allow_duplicate_transaction_id:
        _check_transaction_id_free(txn.transaction_id, other_than=txn.pk)
    txn.full_clean(exclude=["client", "invoice", "actor_user"])
    txn.save()
    change = TransactionChange(transaction_pk=txn.pk, changes=changes, **actor_fields(actor))
    change.full_clean(exclude=["actor_user"])
    change.save()
    return txn


def lock_transactions(ids) -> list[Transaction]:
    """The transactions ``ids``, locked (pk order) until the end of the surrounding transaction.

    All or nothing: ValidationError when none is selected, or when any has gone meanwhile.
    """
    ids = sorted(set(ids))
    if not ids:
        raise ValidationError(NOTHING_SELECTED, code="required")
    txns = list(Transaction.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    if len(txns) != len(ids):
        raise ValidationError(TRANSACTIONS_GONE, code="not_found")
    return txns


def transaction_rows_delete(*, txns: list[Transaction], actor) -> list[TransactionDeletion]:
    """Delete locked transactions (``lock_transactions``), leaving a TransactionDeletion (who,
    when, what) for each: the ledger's part of a deletion, in the caller's atomic block.

    This does not touch the invoices the rows paid or refunded: staff and the API delete through
    ``invoices.services.transactions_delete``, which undoes that first; only a caller deleting
    those invoices too (``client_delete``) calls this alone.
    """
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
    Transaction.objects.filter(pk__in=[txn.pk for txn in txns]).delete()
    return deletions


@transaction.atomic
def client_delete(*, client_id: int, actor, delete_transactions: bool = False) -> ClientDeletion:
    """Delete a client as ``clients.services.client_delete`` does; with ``delete_transactions``
    its transactions go too (each leaving a TransactionDeletion), in the same transaction.

    The client row is locked first, so no transaction of it slips in between. Its invoices and
    credit entries go with it, so nothing its payments did to them is undone first. Deleting
    transactions needs the actor's ``transactions.delete_transaction`` permission when there are
    any (PermissionDenied otherwise); Client.DoesNotExist for an unknown client.
    """
    lock_client(client_id)
    if delete_transactions:
        ids = list(Transaction.objects.filter(client_id=client_id).values_list("pk", flat=True))
        if ids:
            user = actor_user(actor)
            if user is not None and not user.has_perm(DELETE_PERMISSION):
                raise PermissionDenied(DELETE_PERMISSION)
            transaction_rows_delete(txns=lock_transactions(ids), actor=actor)
    return clients_client_delete(client_id=client_id, actor=actor)
