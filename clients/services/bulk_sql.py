"""The raw SQL of bulk status changes, kept in one place with its reason.

One statement per batch updates the clients whose status differs and inserts their history rows
from the same ``RETURNING`` set: at 1M clients this is what keeps a status run to seconds
(docs/benchmarks.md, "bulk status"), where a save and an event per client takes minutes.
"""

from collections import Counter

from django.db import connection
from django.utils import timezone

from billing_admin.bulk_sql import model_columns
from clients.models import Client, ClientEvent
from clients.services.status import status_event_fields

# What each ClientEvent column receives from the changed rows; every column of the model must be
# named here (building SET_STATUS_SQL raises KeyError otherwise), so a new field cannot be
# silently left out.
_EVENT_VALUES = {
    "client_id": "client_id",
    "kind": "%(kind)s",
    "field": "%(field)s",
    "old_value": "old_status",
    "new_value": "%(new_value)s",
    "balance_delta": "NULL",
    "actor_user_id": "%(actor_user_id)s",
    "actor_label": "%(actor_label)s",
    "created_at": "%(now)s",
}
_EVENT_COLUMNS = model_columns(ClientEvent, omit=("id",))

# The self-join reads each row's status from before the UPDATE, which RETURNING alone cannot give
# on PostgreSQL 16; the rows are already locked by this transaction. The id condition is stated
# on both sides so that both are primary-key index scans (with it on one side only, the planner
# hash-joins against a sequential scan of the whole table).
SET_STATUS_SQL = f"""
WITH changed AS (
    UPDATE {Client._meta.db_table} AS client
    SET status = %(new_value)s, updated_at = %(now)s
    FROM {Client._meta.db_table} AS before
    WHERE client.id = ANY(%(ids)s::bigint[])
      AND before.id = client.id
      AND before.id = ANY(%(ids)s::bigint[])
      AND before.status <> %(new_value)s
    RETURNING client.id AS client_id, before.status AS old_status
), history AS (
    INSERT INTO {ClientEvent._meta.db_table} ({", ".join(_EVENT_COLUMNS)})
    SELECT {", ".join(_EVENT_VALUES[column] for column in _EVENT_COLUMNS)}
    FROM changed
)
SELECT old_status, count(*) FROM changed GROUP BY old_status
"""


def set_status_for_batch(ids: list[int], *, status: str, actor) -> Counter:
    """Set ``status`` on the locked ``ids`` and write their history; returns changed-from counts."""
    event = status_event_fields(old_status=None, new_status=status, actor=actor)
    user = event.pop("actor_user")
    with connection.cursor() as cursor:
        cursor.execute(
            SET_STATUS_SQL,
            {
                **event,
                "kind": event["kind"].value,
                "actor_user_id": user.pk if user is not None else None,
                "ids": ids,
                "now": timezone.now(),
            },
        )
        return Counter(dict(cursor.fetchall()))
