"""Bulk column changes (status, credit policy), set-based: the admin actions and the management
commands call these.

A run takes the selection in batches of clients in primary-key order, each batch one transaction
that locks its rows (``SELECT ... FOR UPDATE``, pk order), then one statement updates the clients
whose value differs and inserts their ``ClientEvent`` history rows from the same ``RETURNING``
set (``clients.services.bulk_sql``). Clients already at the target value are not written at all
(``updated_at`` keeps its value), so a rerun changes nothing. An interrupted run leaves every
committed batch complete. A selection given as a queryset is walked by keyset (the next batch
after the last id), so a run's memory does not grow with the number of clients.
"""

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from clients.models import Client
from clients.selectors import clients_due_auto_active, clients_due_auto_inactive
from clients.services.bulk_sql import set_column_for_batch
from clients.services.status import status_event_fields, validate_status

DEFAULT_BATCH_SIZE = 10_000

BATCH_SIZE_INVALID = "The batch size must be a whole number of at least 1."


@dataclass(kw_only=True)
class BulkRunResult:
    """How far a bulk run got; complete after a normal return, partial when seen mid-run."""

    selected: int = 0
    batches_total: int = 0
    batches_done: int = 0
    changed: int = 0
    already: int = 0
    # Deleted, or no longer matching the selection, by the time their batch was locked.
    vanished: int = 0
    changed_from: Counter = field(default_factory=Counter)

    @property
    def processed(self) -> int:
        return self.changed + self.already + self.vanished

    @property
    def new_value(self) -> str:
        """The value the run sets (a status, a credit policy)."""
        raise NotImplementedError

    def progress_text(self) -> str:
        """How far the run got, for a run stopped half-way (the commands and the admin page)."""
        return (
            f"changed {self.changed:,} of {self.selected:,} clients to {self.new_value} in "
            f"{self.batches_done:,} of {self.batches_total:,} whole batches "
            f"({self.already:,} already {self.new_value})"
        )


@dataclass(kw_only=True)
class BulkStatusResult(BulkRunResult):
    status: str

    @property
    def new_value(self) -> str:
        return self.status


def validate_batch_size(batch_size: int) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError({"batch_size": BATCH_SIZE_INVALID})


def lock_batch(scope: QuerySet[Client], ids: list[int]) -> list[int]:
    """Lock the batch's rows that still exist and still match ``scope``, in pk order."""
    return list(
        scope.filter(pk__in=ids)
        .order_by("pk")
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )


@dataclass
class _Batch:
    ids: list[int]  # locked, in pk order
    vanished: int  # of the batch's ids, how many no longer exist or match
    more: bool  # whether another batch follows


def _keyset_batches(selection: QuerySet[Client], batch_size: int) -> Callable[[], _Batch]:
    """Lock the selection's next ``batch_size`` clients after the previous batch, in the caller's
    open transaction. Reading one row beyond the batch tells whether more follow, with no probe
    query; that row stays locked only until this batch commits. A keyset batch reads only clients
    that match when it is locked, so none of it vanishes."""
    after = 0

    def next_batch() -> _Batch:
        nonlocal after
        locked = list(
            selection.filter(pk__gt=after)
            .order_by("pk")
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)[: batch_size + 1]
        )
        batch = locked[:batch_size]
        if batch:
            after = batch[-1]
        return _Batch(ids=batch, vanished=0, more=len(locked) > batch_size)

    return next_batch


def _given_id_batches(ids: list[int], batch_size: int) -> Callable[[], _Batch]:
    """Lock each batch of the given ids that still exist, counting those that do not."""
    scope = Client.objects.all()
    start = 0

    def next_batch() -> _Batch:
        nonlocal start
        batch = ids[start : start + batch_size]
        start += batch_size
        locked = lock_batch(scope, batch)
        return _Batch(ids=locked, vanished=len(batch) - len(locked), more=start < len(ids))

    return next_batch


def run_in_batches(
    *,
    clients: QuerySet[Client] | Iterable[int],
    column: str,
    event: dict,
    result: BulkRunResult,
    batch_size: int,
    on_batch: Callable[[BulkRunResult], None] | None,
) -> None:
    """Set ``column`` to ``event["new_value"]`` on the selection, batch by batch (each batch its own
    transaction), recording ``event`` for every changed client and filling ``result``.

    ``clients`` is a queryset (its conditions are checked again, under the lock, for each batch,
    so a client that stopped matching meanwhile is left alone) or an iterable of client ids.
    ``on_batch`` is called after each committed batch with the running totals, which is how a
    caller shows progress or reports how far an interrupted run got."""
    if isinstance(clients, QuerySet):
        result.selected = clients.count()
        next_batch = _keyset_batches(clients, batch_size)
    else:
        ids = sorted(set(clients))
        result.selected = len(ids)
        next_batch = _given_id_batches(ids, batch_size)
    result.batches_total = math.ceil(result.selected / batch_size)
    more = result.selected > 0
    while more:
        with transaction.atomic():
            batch = next_batch()
            changed_from = set_column_for_batch(batch.ids, column=column, event=event)
        more = batch.more
        changed = sum(changed_from.values())
        result.batches_done += 1
        result.changed += changed
        result.already += len(batch.ids) - changed
        result.vanished += batch.vanished
        result.changed_from.update(changed_from)
        if on_batch is not None:
            on_batch(result)
    # Counted at the start but gone, or no longer matching, by the time their batch was read.
    result.vanished += max(0, result.selected - result.processed)
    result.batches_total = max(result.batches_total, result.batches_done)


def clients_bulk_set_status(
    *,
    clients: QuerySet[Client] | Iterable[int],
    status: str,
    actor,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[BulkStatusResult], None] | None = None,
) -> BulkStatusResult:
    """Set ``status`` on every selected client, in batches that each commit on their own
    (``run_in_batches`` says how ``clients`` and ``on_batch`` work). Writes one ClientEvent
    (kind ``status_changed``, field ``status``, old and new value, actor) per changed client,
    as ``client_set_status`` does for one.
    """
    validate_status(status)
    validate_batch_size(batch_size)
    result = BulkStatusResult(status=status)
    run_in_batches(
        clients=clients,
        column="status",
        event=status_event_fields(old_status=None, new_status=status, actor=actor),
        result=result,
        batch_size=batch_size,
        on_batch=on_batch,
    )
    return result


@dataclass
class AutoStatusRun:
    to_inactive: BulkStatusResult
    to_active: BulkStatusResult


def auto_status_inactive_since():
    """Active clients whose services have all been inactive since before this become Inactive."""
    return timezone.now() - timedelta(days=settings.AUTO_STATUS_INACTIVE_AFTER_DAYS)


def clients_auto_update_status(
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[BulkStatusResult], None] | None = None,
) -> AutoStatusRun:
    """WHMCS's "Client Status Update" cron step, attributed to the system.

    Active clients without an Active or Suspended service (and without any service status change
    for ``AUTO_STATUS_INACTIVE_AFTER_DAYS``) become Inactive; Inactive clients with an Active
    service become Active again. Closed clients and clients with ``override_auto_close`` are never
    touched. The caller checks ``AUTO_CLIENT_STATUS_CHANGE``.
    """
    to_active = clients_bulk_set_status(
        clients=clients_due_auto_active(),
        status=Client.Status.ACTIVE,
        actor=None,
        batch_size=batch_size,
        on_batch=on_batch,
    )
    to_inactive = clients_bulk_set_status(
        clients=clients_due_auto_inactive(since=auto_status_inactive_since()),
        status=Client.Status.INACTIVE,
        actor=None,
        batch_size=batch_size,
        on_batch=on_batch,
    )
    return AutoStatusRun(to_inactive=to_inactive, to_active=to_active)
