"""The retention run (``manage.py apply_retention``): clients idle for RETENTION_INACTIVE_MONTHS
are anonymised, or deleted when they have no invoice or transaction to keep; snapshots past
their legal retention are erased.

Batches of clients in primary-key order, each one transaction: one query locks the next clients
whose own row looks idle (status, balance, last change: an index range), a second statement
checks everything else about them now that they are locked (a writer that locked a client to
give it an invoice has committed by then, and a new statement sees it), then the work is
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
from privacy.selectors import (
    HAS_BOOKS,
    clients_with_books,
    retention_candidates,
    retention_cutoff,
    retention_idle_rows,
)
from privacy.services.anonymise import clients_anonymise_locked
from privacy.services.erasure import erase_personal_data, expire_snapshots

# Clients a batch: each batch is one transaction holding their row locks and costs ~20
# statements whatever its size (docs/benchmarks.md, retention).
DEFAULT_RETENTION_BATCH_SIZE = 5000


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
    """What a run did; partial while the run is under way."""

    batches_done: int = 0
    anonymised: list[int] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    expired_snapshots: dict[str, int] = field(default_factory=dict)

    @property
    def selected(self) -> int:
        return len(self.anonymised) + len(self.deleted)


def retention_plan(*, inactive_since: datetime) -> tuple[list[int], list[int]]:
    """(to anonymise, to delete): what a run would do now. Reads only."""
    ids = list(
        retention_candidates(inactive_since=inactive_since)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    books = clients_with_books(ids)
    return [pk for pk in ids if pk in books], [pk for pk in ids if pk not in books]


def _retention_batch(
    *, after_id: int, batch_size: int, inactive_since: datetime, actor, run: RetentionRun
) -> int | None:
    """The next ``batch_size`` clients after ``after_id`` whose row looks idle, locked, checked
    in full and anonymised or deleted in one transaction. Returns the last client id looked at,
    or None when no client is left."""
    candidates = retention_candidates(inactive_since=inactive_since)
    with transaction.atomic():
        locked = list(
            retention_idle_rows(inactive_since=inactive_since)
            .filter(pk__gt=after_id)
            .order_by("pk")
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)[:batch_size]
        )
        if not locked:
            return None
        still_idle = candidates.filter(pk__in=locked).annotate(has_books=HAS_BOOKS)
        checked = list(still_idle.order_by("pk").values_list("pk", "has_books"))
        keep = [pk for pk, has_books in checked if has_books]
        delete = [pk for pk, has_books in checked if not has_books]
        if keep:
            clients_anonymise_locked(keep, actor=actor)
        if delete:
            # Erased first, so that nothing personal outlives them: the deletion record holds
            # the placeholder name, and the admin's log entries are erased too.
            erase_personal_data(client_ids=delete, cutoff=retention_cutoff())
            clients_delete(client_ids=delete, actor=actor)
    run.anonymised += keep
    run.deleted += delete
    return locked[-1]


def apply_retention(
    *,
    inactive_since: datetime,
    actor=None,
    batch_size: int = DEFAULT_RETENTION_BATCH_SIZE,
    on_batch: Callable[[RetentionRun], None] | None = None,
) -> RetentionRun:
    """Anonymise or delete every client idle since ``inactive_since``, in batches in id order,
    then erase the snapshots past retention of clients anonymised or deleted before.
    ``on_batch`` sees the running totals after each committed batch."""
    run = RetentionRun()
    last_id = 0
    while True:
        last_id = _retention_batch(
            after_id=last_id,
            batch_size=batch_size,
            inactive_since=inactive_since,
            actor=actor,
            run=run,
        )
        if last_id is None:
            break
        run.batches_done += 1
        if on_batch is not None:
            on_batch(run)
    with transaction.atomic():
        run.expired_snapshots = expire_snapshots(cutoff=retention_cutoff())
    return run
