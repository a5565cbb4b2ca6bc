"""The raw SQL of bulk column changes (status, credit policy), kept in one place with its reason.

One statement per batch updates the clients whose value differs and inserts their history rows
from the same ``RETURNING`` set: at 1M clients this is what keeps a status run to seconds
(docs/benchmarks.md, "bulk status"), where a save and an event per client takes minutes.
"""

from collections import Counter
from functools import cache

from django.db import connection
from django.utils import timezone

from billing_admin.bulk_sql import model_columns
from clients.models import Client, ClientEvent

# What each ClientEvent column receives from the changed rows; every column of the model must be
# named here (building the statement raises KeyError otherwise), so a new field cannot be
# silently left out.
_EVENT_VALUES = {
    "client_id": "client_id",
    "kind": "%(kind)s",
    "field": "%(field)s",
    "old_value": "old_value",
    "new_value": "%(new_value)s",
    "balance_delta": "NULL",
    "actor_user_id": "%(actor_user_id)s",
    "actor_label": "%(actor_label)s",
    "created_at": "%(now)s",
}
# The columns a bulk run may set: each is a plain text choice column of Client.
BULK_COLUMNS = ("status", "credit_policy")


@cache
def column_change_sql(column: str) -> str:
    """The statement that sets ``column`` on the locked clients ``%(ids)s`` whose value differs
    and records one history row per changed client; it answers (old value, count) rows.

    The self-join reads each row's value from before the UPDATE, which RETURNING alone cannot give
    on PostgreSQL 16; the rows are already locked by this transaction. The id condition is stated
    on both sides so that both are primary-key index scans (with it on one side only, the planner
    hash-joins against a sequential scan of the whole table)."""
    if column not in BULK_COLUMNS:
        raise ValueError(f"{column!r} is not a bulk-settable client column")
    event_columns = model_columns(ClientEvent, omit=("id",))
    return f"""
WITH changed AS (
    UPDATE {Client._meta.db_table} AS client
    SET {column} = %(new_value)s, updated_at = %(now)s
    FROM {Client._meta.db_table} AS before
    WHERE client.id = ANY(%(ids)s::bigint[])
      AND before.id = client.id
      AND before.id = ANY(%(ids)s::bigint[])
      AND before.{column} <> %(new_value)s
    RETURNING client.id AS client_id, before.{column} AS old_value
), history AS (
    INSERT INTO {ClientEvent._meta.db_table} ({", ".join(event_columns)})
    SELECT {", ".join(_EVENT_VALUES[name] for name in event_columns)}
    FROM changed
)
SELECT old_value, count(*) FROM changed GROUP BY old_value
"""


def set_column_for_batch(ids: list[int], *, column: str, event: dict) -> Counter:
    """Set ``event["new_value"]`` as ``column`` of the locked ``ids`` and write their history rows
    (``event``: the ClientEvent fields but the client and old value, as ``ClientEvent(**...)``
    takes them); returns how many changed from each old value."""
    user = event["actor_user"]
    with connection.cursor() as cursor:
        cursor.execute(
            column_change_sql(column),
            {
                "kind": str(event["kind"]),
                "field": event["field"],
                "new_value": event["new_value"],
                "actor_user_id": user.pk if user is not None else None,
                "actor_label": event["actor_label"],
                "ids": ids,
                "now": timezone.now(),
            },
        )
        return Counter(dict(cursor.fetchall()))
