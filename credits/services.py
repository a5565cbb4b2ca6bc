"""The only code that writes Client.credit_balance.

Every operation: one atomic block, the client row locked first (``select_for_update``), the
invariant checked on the locked row, then the ledger row and the cached balance written together.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from billing_admin.actors import actor_fields
from billing_admin.money import ZERO, to_money
from clients.models import Client, ClientEvent
from credits.models import CreditEntry

AMOUNT_NOT_POSITIVE = "The amount must be greater than zero."
DESCRIPTION_REQUIRED = "A description is required."
BALANCE_NEGATIVE = "The credit balance cannot be negative."
INSUFFICIENT_CREDIT = "Only {available} credit is available to remove."


def lock_client(client_id: int) -> Client:
    """The client row, locked until the end of the surrounding transaction."""
    return Client.objects.select_for_update().get(pk=client_id)


def _positive_amount(amount) -> Decimal:
    amount = to_money(amount)
    if amount <= ZERO:
        raise ValidationError({"amount": AMOUNT_NOT_POSITIVE})
    return amount


def record_credit_entry(
    *, client: Client, amount: Decimal, kind: str, description: str, actor, **extra
) -> CreditEntry:
    """Write one ledger row and move the cached balance by its amount.

    ``client`` must already be locked by the caller (``lock_client``) inside the same atomic
    block; the balance may never go below zero.
    """
    if not description or not description.strip():
        raise ValidationError({"description": DESCRIPTION_REQUIRED})
    new_balance = client.credit_balance + amount
    if new_balance < ZERO:
        raise ValidationError(
            {"amount": INSUFFICIENT_CREDIT.format(available=client.credit_balance)}
        )
    entry = CreditEntry(
        client=client,
        amount=amount,
        kind=kind,
        description=description.strip(),
        **actor_fields(actor),
        **extra,
    )
    entry.full_clean(exclude=["client", "invoice", "actor_user"])
    entry.save()
    client.credit_balance = new_balance
    client.save(update_fields=["credit_balance", "updated_at"])
    return entry


@transaction.atomic
def add_credit(*, client_id: int, amount, description: str, actor, date=None) -> CreditEntry:
    """Staff add credit to a client's balance (Manage Credits > Add Credit)."""
    amount = _positive_amount(amount)
    client = lock_client(client_id)
    extra = {"date": date} if date else {}
    return record_credit_entry(
        client=client,
        amount=amount,
        kind=CreditEntry.Kind.ADDED,
        description=description,
        actor=actor,
        **extra,
    )


@transaction.atomic
def remove_credit(*, client_id: int, amount, description: str, actor, date=None) -> CreditEntry:
    """Staff take credit off a client's balance; never below zero."""
    amount = _positive_amount(amount)
    client = lock_client(client_id)
    extra = {"date": date} if date else {}
    return record_credit_entry(
        client=client,
        amount=-amount,
        kind=CreditEntry.Kind.REMOVED,
        description=description,
        actor=actor,
        **extra,
    )


@transaction.atomic
def adjust_balance(*, client_id: int, new_balance, actor) -> ClientEvent | None:
    """Set the balance by hand (the Profile's Credit Balance field).

    Writes no credit entry, by design (WHMCS's unlogged manual adjustment), but records a history
    event with the old and new values and the difference, so the invariant
    ``balance == sum(entries) + sum(adjustment deltas)`` stays checkable. Returns None when the
    balance is unchanged.
    """
    new_balance = to_money(new_balance)
    if new_balance < ZERO:
        raise ValidationError({"credit_balance": BALANCE_NEGATIVE})
    client = lock_client(client_id)
    old_balance = client.credit_balance
    if new_balance == old_balance:
        return None
    client.credit_balance = new_balance
    client.save(update_fields=["credit_balance", "updated_at"])
    return ClientEvent.objects.create(
        client=client,
        kind=ClientEvent.Kind.BALANCE_ADJUSTED,
        field="credit_balance",
        old_value=f"{old_balance:.2f}",
        new_value=f"{new_balance:.2f}",
        balance_delta=new_balance - old_balance,
        **actor_fields(actor),
    )
