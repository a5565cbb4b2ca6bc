"""Erasing clients' personal data, set-based: one UPDATE per declared model for any number of
clients, as ``billing_admin.personal_data`` says, and the legal-retention rule for snapshots.

Callers (anonymising one client, the retention run) lock the clients and check them first; this
module only writes what the registry declares.
"""

from datetime import date

from django.db.models import Q

from billing_admin.personal_data import Holder, holders
from clients.models import Client
from privacy.selectors import dated_before, erasable


def _not_yet_erased(holder: Holder) -> Q:
    """Rows with a personal column not yet in its erased form (so a rerun writes nothing)."""
    model = holder.model_class
    erased = Q()
    for name, eraser in holder.erase.items():
        erased &= Q(**{name: eraser.expression(model)})
    return ~erased


def erase_personal_data(*, client_ids: list[int], cutoff: date) -> None:
    """Erase every declared personal value of the (locked) clients: one UPDATE per model."""
    for holder in holders().values():
        if holder.deletes_rows:
            # Few rows a client (notes, custom values); nothing refers to them.
            erasable(holder, client_ids, cutoff).delete()
        elif holder.erase:
            erasable(holder, client_ids, cutoff).update(**holder.erased_values())


def expire_snapshots(*, cutoff: date) -> dict[str, int]:
    """Erase the snapshots past retention of clients no longer here as themselves (anonymised or
    deleted): the last copy of their identity goes once the law stops requiring it.
    Returns the rows erased per model."""
    live = Client.objects.filter(anonymised_at__isnull=True).values("pk")
    counts = {}
    for holder in holders().values():
        if not (holder.retained_from and holder.client):
            continue
        rows = (
            holder.model_class._base_manager.exclude(**{f"{holder.client}__in": live})
            .filter(dated_before(holder, cutoff))
            .filter(_not_yet_erased(holder))
        )
        counts[holder.model] = rows.update(**holder.erased_values())
    return counts
