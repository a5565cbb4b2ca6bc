"""The retention run (``manage.py apply_retention``): clients idle for RETENTION_INACTIVE_MONTHS
are anonymised, or deleted when they have no invoice or transaction to keep; snapshots past
their legal retention are erased.

Batches of clients in primary-key order, each one transaction that locks its rows and checks
them again under the lock (a client that became active meanwhile is skipped), then works
set-based: one UPDATE per declared model for the whole batch. An interrupted run leaves every
committed batch complete, and a rerun picks up the rest (anonymised clients no longer match).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clients.services import clients_delete
from privacy.selectors import clients_with_books, retention_candidates, retention_cutoff
from privacy.services.anonymise import clients_anonymise_locked
from privacy.services.erasure import erase_personal_data, expire_snapshots

DEFAULT_RETENTION_BATCH_SIZE = 1000


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to the month's end)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            day -= 1


def retention_inactive_since(now: datetime | None = None) -> datetime | None:
    """Clients unchanged since before this are due; None when retention is disabled."""
    months = settings.RETENTION_INACTIVE_MONTHS
    if months is None:
        return None
    return months_before(now or timezone.now(), months)


@dataclass
class RetentionRun:
    """What a run did (or, dry, would do); partial while the run is under way."""

    selected: int
    batches_total: int
    batches_done: int = 0
    anonymised: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    # No longer eligible (or gone) by the time their batch was locked.
    skipped: int = 0
    expired_snapshots: dict[str, int] = field(default_factory=dict)


def retention_plan(*, inactive_since: datetime) -> tuple[list[int], list[int]]:
    """(to anonymise, to delete): what a run would do now. Reads only."""
    ids = list(
        retention_candidates(inactive_since=inactive_since)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    books = clients_with_books(ids)
    return [pk for pk in ids if pk in books], [pk for pk in ids if pk not in books]


def _retention_batch(batch: list[int], *, inactive_since: datetime, actor, run: RetentionRun):
    with transaction.atomic():
        locked = list(
            retention_candidates(inactive_since=inactive_since)
            .filter(pk__in=batch)
            .order_by("pk")
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)
        )
        if not locked:
            run.skipped += len(batch)
            return
        books = clients_with_books(locked)
        keep = [pk for pk in locked if pk in books]
        delete = [pk for pk in locked if pk not in books]
        if keep:
            clients_anonymise_locked(keep, actor=actor)
        if delete:
            # Erased first, so that nothing personal outlives them: the deletion record holds
            # the placeholder name, and the admin's log entries are erased too.
            erase_personal_data(client_ids=delete, cutoff=retention_cutoff())
            clients_delete(client_ids=delete, actor=actor)
    run.anonymised += keep
    run.deleted += delete
    run.skipped += len(batch) - len(locked)


def apply_retention(
    *,
    inactive_since: datetime,
    actor=None,
    batch_size: int = DEFAULT_RETENTION_BATCH_SIZE,
    on_batch: Callable[[RetentionRun], None] | None = None,
) -> RetentionRun:
    """Anonymise or delete every client idle since ``inactive_since``, then erase the snapshots
    past retention of clients anonymised or deleted before. ``on_batch`` sees the running totals
    after each committed batch."""
    ids = list(
        retention_candidates(inactive_since=inactive_since)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    run = RetentionRun(selected=len(ids), batches_total=len(batches))
    for batch in batches:
        _retention_batch(batch, inactive_since=inactive_since, actor=actor, run=run)
        run.batches_done += 1
        if on_batch is not None:
            on_batch(run)
    with transaction.atomic():
        run.expired_snapshots = expire_snapshots(cutoff=retention_cutoff())
    return run
