"""Bulk status changes, set-based: the admin actions and both management commands call these.

A run is cut into batches of client ids in primary-key order; each batch is one transaction that
locks its rows (``SELECT ... FOR UPDATE``, pk order), then one statement updates the clients whose
status differs and inserts their ``ClientEvent`` history rows from the same ``RETURNING`` set.
Clients already at the target status are not written at all (``updated_at`` keeps its value), so
a rerun changes nothing. An interrupted run leaves every committed batch complete.
"""

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
from clients.services.bulk_sql import set_status_for_batch
from clients.services.status import validate_status

DEFAULT_BATCH_SIZE = 10_000

BATCH_SIZE_INVALID = "The batch size must be a whole number of at least 1."


@dataclass
class BulkStatusResult:
    """How far a bulk run got; complete after a normal return, partial when seen mid-run."""

    status: str
    selected: int
    batches_total: int
    batches_done: int = 0
    changed: int = 0
    already: int = 0
    # Deleted, or no longer matching the selection, by the time their batch was locked.
    vanished: int = 0
    changed_from: Counter = field(default_factory=Counter)

    @property
    def processed(self) -> int:
        return self.changed + self.already + self.vanished

    def progress_text(self) -> str:
        """How far the run got, for a run stopped half-way (the command and the admin page)."""
        return (
            f"changed {self.changed:,} of {self.selected:,} clients to {self.status} in "
            f"{self.batches_done:,} of {self.batches_total:,} whole batches "
            f"({self.already:,} already {self.status})"
        )


def _validate(status: str, batch_size: int) -> None:
    validate_status(status)
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


def clients_bulk_set_status(
    *,
    clients: QuerySet[Client] | Iterable[int],
    status: str,
    actor,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[BulkStatusResult], None] | None = None,
) -> BulkStatusResult:
    """Set ``status`` on every selected client, in batches that each commit on their own.

    ``clients`` is a queryset (its conditions are checked again, under the lock, for each batch,
    so a client that stopped matching meanwhile is left alone) or an iterable of client ids.
    ``on_batch`` is called after each committed batch with the running totals, which is how a
    caller shows progress or reports how far an interrupted run got. Writes one ClientEvent
    (kind ``status_changed``, field ``status``, old and new value, actor) per changed client,
    as ``client_set_status`` does for one.
    """
    _validate(status, batch_size)
    if isinstance(clients, QuerySet):
        ids = list(clients.order_by("pk").values_list("pk", flat=True))
        scope = clients
    else:
        ids = sorted(set(clients))
        scope = Client.objects.all()
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    result = BulkStatusResult(status=status, selected=len(ids), batches_total=len(batches))
    for batch in batches:
        with transaction.atomic():
            locked = lock_batch(scope, batch)
            changed_from = set_status_for_batch(locked, status=status, actor=actor)
        changed = sum(changed_from.values())
        result.batches_done += 1
        result.changed += changed
        result.already += len(locked) - changed
        result.vanished += len(batch) - len(locked)
        result.changed_from.update(changed_from)
        if on_batch is not None:
            on_batch(result)
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
