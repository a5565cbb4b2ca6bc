"""The retention run's history rows, written by one INSERT ... SELECT per batch.

At 2,000 clients a run, building a ClientEvent object per row for bulk_create took longer than
the statements that erase the clients (docs/benchmarks.md, "retention run"); the database
builds the same rows from the batch's ids in a fraction of that.
"""

from django.db import connection
from django.utils import timezone

from billing_admin.actors import actor_label, actor_user
from billing_admin.bulk_sql import model_columns
from clients.models import Client, ClientEvent

_COLUMNS = model_columns(ClientEvent, omit=("id",))
_AUDIT = {
    "actor_user_id": "%(actor_user_id)s::integer",
    "actor_label": "%(actor_label)s",
    "created_at": "%(now)s::timestamptz",
    "balance_delta": "NULL::numeric",
}
# What each column receives; every column of ClientEvent must be named (KeyError otherwise).
_STATUS_CHANGED = {
    **_AUDIT,
    "client_id": "c.id",
    "kind": f"'{ClientEvent.Kind.STATUS_CHANGED.value}'",
    "field": "'status'",
    "old_value": "c.status",
    "new_value": f"'{Client.Status.CLOSED.value}'",
}
_ANONYMISED = {
    **_AUDIT,
    "client_id": "c.id",
    "kind": f"'{ClientEvent.Kind.ANONYMISED.value}'",
    "field": "''",
    "old_value": "''",
    "new_value": "''",
}
_TABLE = ClientEvent._meta.db_table

# Run before the clients' UPDATE: the status rows read each client's status from before it.
CLOSE_AND_ANONYMISE_EVENTS_SQL = f"""
INSERT INTO {_TABLE} ({", ".join(_COLUMNS)})
SELECT {", ".join(_STATUS_CHANGED[column] for column in _COLUMNS)}
FROM {Client._meta.db_table} AS c
WHERE c.id = ANY(%(ids)s::bigint[]) AND c.status <> '{Client.Status.CLOSED.value}'
UNION ALL
SELECT {", ".join(_ANONYMISED[column] for column in _COLUMNS)}
FROM unnest(%(ids)s::bigint[]) AS c(id)
"""


def record_closed_and_anonymised(ids: list[int], *, actor) -> None:
    """History for locked clients about to be closed and anonymised: a status change for each
    one not yet Closed, and an ``anonymised`` entry for each."""
    user = actor_user(actor)
    with connection.cursor() as cursor:
        cursor.execute(
            CLOSE_AND_ANONYMISE_EVENTS_SQL,
            {
                "ids": ids,
                "actor_user_id": user.pk if user is not None else None,
                "actor_label": actor_label(actor),
                "now": timezone.now(),
            },
        )
