"""The only code that writes Client.credit_balance.

Every operation: one atomic block, the client row locked first (``select_for_update``), the
invariant checked on the locked row, then the ledger row and the cached balance written together.
The invariant, checked by ``manage.py verify_credit``::

    credit_balance == sum(credit entries) + sum(balance_delta of manual adjustments) >= 0
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.transaction import TransactionManagementError

from billing_admin.actors import actor_fields
from billing_admin.money import MONEY_MAX, ZERO, format_money, to_money
from clients.models import Client, ClientEvent
from credits.models import CreditEntry

# The largest single Add/Remove Credit staff may make: a typo guard, far below the column's limit.
MAX_CREDIT_AMOUNT = Decimal("1000000.00")

AMOUNT_INVALID = "Enter an amount such as 10.00."
AMOUNT_NOT_POSITIVE = "The amount must be greater than zero."
AMOUNT_TOO_LARGE = "The amount cannot be more than {maximum}."
DESCRIPTION_REQUIRED = "A description is required."
BALANCE_NEGATIVE = "The credit balance cannot be negative."
BALANCE_TOO_LARGE = "The credit balance cannot be more than {maximum}."
INSUFFICIENT_CREDIT = "Only {available} credit is available to remove."
NOT_LOCKED = "record_credit_entry() must run inside the atomic block that locked the client."


def lock_client(client_id: int) -> Client:
    """The client row, locked until the end of the surrounding transaction."""
    return Client.objects.select_for_update().get(pk=client_id)


def _parse_money(amount, *, field: str) -> Decimal:
    """An amount from any caller (API strings included) as money, or a field error.

    Floats still raise ``TypeError``: passing one is a programming error, not bad input.
    """
    try:
        return to_money(amount)
    except ValueError:
        raise ValidationError({field: AMOUNT_INVALID}) from None


def _staff_amount(amount) -> Decimal:
    """A positive Add/Remove Credit amount within the staff ceiling."""
    amount = _parse_money(amount, field="amount")
    if amount <= ZERO:
        raise ValidationError({"amount": AMOUNT_NOT_POSITIVE})
    if amount > MAX_CREDIT_AMOUNT:
        raise ValidationError(
            {"amount": AMOUNT_TOO_LARGE.format(maximum=format_money(MAX_CREDIT_AMOUNT))}
        )
    return amount


def record_credit_entry(
    *, client: Client, amount, kind: str, description: str, actor, **extra
) -> CreditEntry:
    """Write one ledger row and move the cached balance by its signed amount.

    ``client`` must have been locked by the caller (``lock_client``) inside the same atomic
    block, so ``client.credit_balance`` is current. The balance never goes below zero; ``extra``
    carries optional columns (``invoice``, ``date``).
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(NOT_LOCKED)
    amount = _parse_money(amount, field="amount")
    if not description or not description.strip():
        raise ValidationError({"description": DESCRIPTION_REQUIRED})
    new_balance = client.credit_balance + amount
    if new_balance < ZERO:
        raise ValidationError(
            {"amount": INSUFFICIENT_CREDIT.format(available=format_money(client.credit_balance))}
        )
    if new_balance > MONEY_MAX:
        raise ValidationError({"amount": BALANCE_TOO_LARGE.format(maximum=format_money(MONEY_MAX))})
    entry = CreditEntry(
        client=client,
        amount=amount,
        kind=kind,
        description=description.strip(),
        **actor_fields(actor),
        **extra,
    )
    # Also checks the kind's sign and a non-zero amount (the model's CheckConstraint).
    entry.full_clean(exclude=["client", "invoice", "actor_user"])
    entry.save()
    client.credit_balance = new_balance
    client.save(update_fields=["credit_balance", "updated_at"])
    return entry


def _change_credit(
    *, client_id: int, amount: Decimal, kind: str, description: str, actor, date
) -> CreditEntry:
    client = lock_client(client_id)
    extra = {"date": date} if date is not None else {}
    return record_credit_entry(
        client=client, amount=amount, kind=kind, description=description, actor=actor, **extra
    )


@transaction.atomic
def add_credit(*, client_id: int, amount, description: str, actor, date=None) -> CreditEntry:
    """Staff add credit to a client's balance (Manage Credits > Add Credit)."""
    return _change_credit(
        client_id=client_id,
        amount=_staff_amount(amount),
        kind=CreditEntry.Kind.ADDED,
        description=description,
        actor=actor,
        date=date,
    )


@transaction.atomic
def remove_credit(*, client_id: int, amount, description: str, actor, date=None) -> CreditEntry:
    """Staff take credit off a client's balance (Manage Credits > Remove Credit); never below 0."""
    return _change_credit(
        client_id=client_id,
        amount=-_staff_amount(amount),
        kind=CreditEntry.Kind.REMOVED,
        description=description,
        actor=actor,
        date=date,
    )


@transaction.atomic
def adjust_balance(*, client_id: int, new_balance, actor) -> ClientEvent | None:
    """Set the balance by hand (the Profile's Credit Balance field).

    Writes no credit entry, by design (WHMCS's unlogged manual adjustment), but records a history
    event with the old and new values and the difference, so the invariant
    ``balance == sum(entries) + sum(adjustment deltas)`` stays checkable. It takes the same row
    lock as every other credit operation, so a concurrent Add Credit is never lost. Returns None
    when the balance is unchanged.
    """
    new_balance = _parse_money(new_balance, field="credit_balance")
    if new_balance < ZERO:
        raise ValidationError({"credit_balance": BALANCE_NEGATIVE})
    client = lock_client(client_id)
    old_balance = client.credit_balance
    if new_balance == old_balance:
        return None
    event = ClientEvent(
        client=client,
        kind=ClientEvent.Kind.BALANCE_ADJUSTED,
        field="credit_balance",
        old_value=format_money(old_balance),
        new_value=format_money(new_balance),
        balance_delta=new_balance - old_balance,
        **actor_fields(actor),
    )
    event.full_clean(exclude=["client", "actor_user"])
    event.save()
    client.credit_balance = new_balance
    client.save(update_fields=["credit_balance", "updated_at"])
    return event
