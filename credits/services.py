"""The only code that writes Client.credit_balance.

Every operation: one atomic block, the client row locked first (``SELECT ... FOR UPDATE``, see
``lock_client``), the invariant checked on the locked row, then the ledger rows and the cached
balance written together by one writer, ``record_credit_entries``.
The invariant, checked by ``manage.py verify_credit``::

    credit_balance == sum(credit entries) + sum(balance_delta of manual adjustments) >= 0
"""

import functools
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from billing_admin.actors import actor_fields
from billing_admin.money import MONEY_MAX, ZERO, format_money, parse_money_field, to_money
from billing_admin.prepared import execute_prepared
from clients.models import Client, ClientEvent
from credits.models import POSITIVE_KINDS, CreditEntry

# The largest single Add/Remove Credit staff may make: a typo guard, far below the column's limit.
MAX_CREDIT_AMOUNT = Decimal("1000000.00")

AMOUNT_NOT_POSITIVE = "The amount must be greater than zero."
AMOUNT_TOO_LARGE = "The amount cannot be more than {maximum}."
DESCRIPTION_REQUIRED = "A description is required."
BALANCE_NEGATIVE = "The credit balance cannot be negative."
BALANCE_TOO_LARGE = "The credit balance cannot be more than {maximum}."
INSUFFICIENT_CREDIT = "Only {available} credit is available to remove."
BALANCE_CHANGED = (
    "The credit balance changed to {current} while this was being edited. Check it and try again."
)
# WHMCS's wording; the API passes it on unchanged.
CLIENT_NOT_FOUND = "Client ID Not Found"
REQUEST_KEY_REUSED = "This form was already used for a different change; reload it."
NOT_LOCKED = "Credit entries must be recorded inside the atomic block that locked the client."


def lock_client(client_id: int, *, balance_only: bool = False) -> Client:
    """The client row, locked (``SELECT ... FOR UPDATE``) until the end of the surrounding
    transaction.

    ``balance_only`` is the hot path that only moves credit (Add and Remove Credit): the same
    lock, written by hand because compiling the ORM's ``select_for_update()`` query costs more
    CPU than the round trip itself (docs/benchmarks.md, add_credit). The instance it returns has
    every other field deferred, as ``.only("credit_balance")`` would give.
    """
    if not balance_only:
        return Client.objects.select_for_update().get(pk=client_id)
    table = connection.ops.quote_name(Client._meta.db_table)
    with connection.cursor() as cursor:
        execute_prepared(
            cursor,
            "credit_lock_client",
            f"SELECT id, credit_balance FROM {table} WHERE id = %s FOR UPDATE",
            [client_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise Client.DoesNotExist(f"Client {client_id} does not exist.")
    return Client.from_db(connection.alias, ["id", "credit_balance"], row)


def lock_existing_client(client_id: int) -> Client:
    """``lock_client`` for writers that answer a missing client as bad input: a client deleted
    since the caller looked it up (or being deleted now: the lock waits for that to commit) is a
    ``ValidationError`` with WHMCS's "Client ID Not Found", never a DoesNotExist or, had the
    row not been locked, a foreign key failure at commit."""
    try:
        return lock_client(client_id)
    except Client.DoesNotExist:
        raise ValidationError(CLIENT_NOT_FOUND, code="not_found") from None


def _staff_amount(amount) -> Decimal:
    """A positive Add/Remove Credit amount within the staff ceiling."""
    amount = parse_money_field(amount, field="amount")
    if amount <= ZERO:
        raise ValidationError({"amount": AMOUNT_NOT_POSITIVE})
    if amount > MAX_CREDIT_AMOUNT:
        raise ValidationError(
            {"amount": AMOUNT_TOO_LARGE.format(maximum=format_money(MAX_CREDIT_AMOUNT))}
        )
    return amount


def _moved_balance(client: Client, change: Decimal) -> Decimal:
    """The locked client's balance after ``change``; refused below zero or beyond the column."""
    new_balance = client.credit_balance + change
    if new_balance < ZERO:
        raise ValidationError(
            {"amount": INSUFFICIENT_CREDIT.format(available=format_money(client.credit_balance))}
        )
    if new_balance > MONEY_MAX:
        raise ValidationError({"amount": BALANCE_TOO_LARGE.format(maximum=format_money(MONEY_MAX))})
    return new_balance


def record_credit_entry(
    *, client: Client, amount, kind: str, description: str, actor, **extra
) -> CreditEntry:
    """Write one ledger row and move the cached balance by its signed amount.

    ``client`` must have been locked by the caller (``lock_client``) inside the same atomic
    block, so ``client.credit_balance`` is current. The balance never goes below zero; ``extra``
    carries optional columns (``invoice``, ``date``). The row is checked here (``full_clean``)
    and written by ``record_credit_entries``, so both paths share one writer.
    """
    amount = parse_money_field(amount, field="amount")
    if not description or not description.strip():
        raise ValidationError({"description": DESCRIPTION_REQUIRED})
    entry = CreditEntry(
        client=client,
        amount=amount,
        kind=kind,
        description=description.strip(),
        **actor_fields(actor),
        **extra,
    )
    # The kind's sign is the caller's choice, not user input: checked here in Python (the
    # database's CHECK backs it) rather than by full_clean's constraint query, which would cost
    # a round trip while the client row is locked.
    if amount == 0 or (amount > 0) != (kind in POSITIVE_KINDS):
        raise ValidationError(
            {"amount": f"A {kind!r} credit entry cannot have the amount {amount}."}
        )
    # No uniqueness query either: request_key, the only unique column, is looked up under the
    # lock by _change_credit, and the unique index backs it.
    entry.full_clean(
        exclude=["client", "invoice", "actor_user"],
        validate_unique=False,
        validate_constraints=False,
    )
    record_credit_entries(clients=[client], entries=[entry])
    return entry


def record_credit_entries(*, clients: Iterable[Client], entries: list[CreditEntry]) -> None:
    """Bulk ``record_credit_entry``: many ledger rows for many clients in one statement.

    ``clients`` must have been locked by the caller (pk order) in the surrounding atomic block;
    ``entries`` are unsaved rows (client, signed amount, kind, description, actor fields,
    invoice). Each client's balance moves by the sum of its entries, computed here from the
    locked balance, and ``client.credit_balance`` is updated on the objects passed in. All or
    nothing: one client that would go negative refuses the whole call. The kind/sign rule is
    the database's CHECK (``full_clean`` would cost a query per row). The entries get their
    ids, as from ``bulk_create``.
    """
    if not transaction.get_connection().in_atomic_block:
        raise TransactionManagementError(NOT_LOCKED)
    if not entries:
        return
    clients_by_id = {client.pk: client for client in clients}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for entry in entries:
        entry.amount = to_money(entry.amount)
        if not entry.description or not entry.description.strip():
            raise ValidationError({"description": DESCRIPTION_REQUIRED})
        totals[entry.client_id] += entry.amount
    unlocked = totals.keys() - clients_by_id.keys()
    if unlocked:
        raise TransactionManagementError(f"{NOT_LOCKED} Not passed in: {sorted(unlocked)}")
    new_balances = {
        client_id: _moved_balance(clients_by_id[client_id], total)
        for client_id, total in totals.items()
    }
    _write_entries_and_balances(entries, new_balances)
    for client_id, balance in new_balances.items():
        clients_by_id[client_id].credit_balance = balance


def _write_entries_and_balances(entries: list[CreditEntry], new_balances: dict[int, Decimal]):
    """INSERT the unsaved entries and set the clients' cached balances, in one statement (two
    data-modifying parts of one ``WITH``), and give the entries their ids.

    One round trip, not one a table: Add Credit is five statements in all (BEGIN, the lock, this,
    COMMIT), and its CPU per call is its throughput (docs/benchmarks.md, add_credit). Entries go
    in as one multi-row VALUES (bulk_create's per-value preparation took ~1.4x as long; a
    ``json_populate_recordset`` form cost the server a sixth of the throughput); pre_save()
    gives each column the value save() would write (created_at's auto_now_add). Balances go in
    as ``UPDATE ... FROM (VALUES ...)``; ``updated_at`` is the wall clock, as ``auto_now``
    writes it (SQL's now() is the start of the transaction, which would date a change before
    the rows written earlier in it).
    """
    fields, insert_into, entry_row, update_clients = _write_statement_parts()
    params = [field.pre_save(entry, True) for entry in entries for field in fields]
    params.append(timezone.now())
    params += [value for pair in sorted(new_balances.items()) for value in pair]
    balance_rows = ", ".join(["(%s::bigint, %s::numeric)"] * len(new_balances))
    sql = (
        f"WITH entries AS ({insert_into} VALUES {', '.join([entry_row] * len(entries))}"
        f" RETURNING id), balances AS ({update_clients}"
        f" FROM (VALUES {balance_rows}) AS v(id, balance) WHERE c.id = v.id)"
        " SELECT id FROM entries"
    )
    with connection.cursor() as cursor:
        if len(entries) == len(new_balances) == 1:
            # One entry for one client (Add/Remove Credit, a payment's credit): the hot path.
            execute_prepared(cursor, "credit_write_one_entry", sql, params)
        else:
            cursor.execute(sql, params)
        ids = cursor.fetchall()
    # The entries' rows come back in input order (ids drawn in VALUES order), which
    # bulk_create relies on too.
    for entry, (pk,) in zip(entries, ids, strict=True):
        entry.pk = pk
        entry._state.adding = False
        entry._state.db = connection.alias


@functools.cache
def _write_statement_parts() -> tuple[list, str, str, str]:
    """The columns an entry INSERT writes, its ``INSERT INTO ... (columns)``, one row's
    placeholders, and the balance UPDATE's head: fixed for the process, so built once."""
    fields = [field for field in CreditEntry._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    insert_into = f"INSERT INTO {quote(CreditEntry._meta.db_table)} ({columns})"
    entry_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    update_clients = (
        f"UPDATE {quote(Client._meta.db_table)} AS c"
        " SET credit_balance = v.balance, updated_at = %s"
    )
    return fields, insert_into, entry_row, update_clients


def credit_request_done(
    request_key, *, client_id: int, kind: str, amount: Decimal | None = None
) -> CreditEntry | None:
    """The entry an earlier submit of the same form (its ``request_key``) wrote, or None.

    Call it with the client locked, so a concurrent twin of the request waits and then sees the
    entry. A key found on a different change (another client, kind or amount) is refused: the
    form was reused for something else."""
    if request_key is None:
        return None
    done = CreditEntry.objects.filter(request_key=request_key).first()
    if done is None:
        return None
    if (done.client_id, done.kind) != (client_id, kind) or (
        amount is not None and done.amount != amount
    ):
        raise ValidationError(REQUEST_KEY_REUSED)
    return done


def _change_credit(
    *, client_id: int, amount: Decimal, kind: str, description: str, actor, date, request_key
) -> CreditEntry:
    client = lock_client(client_id, balance_only=True)
    done = credit_request_done(request_key, client_id=client.pk, kind=kind, amount=amount)
    if done is not None:
        return done
    extra = {"date": date} if date is not None else {}
    return record_credit_entry(
        client=client,
        amount=amount,
        kind=kind,
        description=description,
        actor=actor,
        request_key=request_key,
        **extra,
    )


@transaction.atomic
def add_credit(
    *, client_id: int, amount, description: str, actor, date=None, request_key=None
) -> CreditEntry:
    """Staff add credit to a client's balance (Manage Credits > Add Credit).

    ``request_key`` (a UUID from the form) makes a repeated submit return the first entry.
    """
    return _change_credit(
        client_id=client_id,
        amount=_staff_amount(amount),
        kind=CreditEntry.Kind.ADDED,
        description=description,
        actor=actor,
        date=date,
        request_key=request_key,
    )


@transaction.atomic
def remove_credit(
    *, client_id: int, amount, description: str, actor, date=None, request_key=None
) -> CreditEntry:
    """Staff take credit off a client's balance (Manage Credits > Remove Credit); never below 0."""
    return _change_credit(
        client_id=client_id,
        amount=-_staff_amount(amount),
        kind=CreditEntry.Kind.REMOVED,
        description=description,
        actor=actor,
        date=date,
        request_key=request_key,
    )


@transaction.atomic
def adjust_balance(
    *, client_id: int, new_balance, actor, expected_balance=None
) -> ClientEvent | None:
    """Set the balance by hand (the Profile's Credit Balance field).

    Writes no credit entry, by design (WHMCS's unlogged manual adjustment), but records a history
    event with the old and new values and the difference, so the invariant
    ``balance == sum(entries) + sum(adjustment deltas)`` stays checkable. It takes the same row
    lock as every other credit operation, so a concurrent Add Credit is never lost. Pass
    ``expected_balance`` (the balance the editor was shown) to refuse the edit if the balance
    moved in the meantime instead of silently absorbing that change. Returns None when the
    balance is unchanged.
    """
    new_balance = parse_money_field(new_balance, field="credit_balance")
    if new_balance < ZERO:
        raise ValidationError({"credit_balance": BALANCE_NEGATIVE})
    client = lock_client(client_id)
    old_balance = client.credit_balance
    if (
        expected_balance is not None
        and parse_money_field(expected_balance, field="credit_balance") != old_balance
    ):
        raise ValidationError(
            {"credit_balance": BALANCE_CHANGED.format(current=format_money(old_balance))}
        )
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


def merge_balances(*, source: Client, target: Client) -> Decimal:
    """Move the source's cached balance onto the target when clients merge; both rows locked
    by the caller, whose same transaction moves the source's ledger rows (credit entries and
    hand adjustments) to the target, so the invariant holds for the target as the sum of both.
    Returns the target's new balance."""
    new_balance = _moved_balance(target, source.credit_balance)
    Client.objects.filter(pk=target.pk).update(credit_balance=new_balance)
    Client.objects.filter(pk=source.pk).update(credit_balance=ZERO)
    target.credit_balance, source.credit_balance = new_balance, ZERO
    return new_balance
