"""Credit policies set in bulk (the admin action and ``set_credit_policy``), set-based.

One client's policy is a Profile field (``client_update``); many at once go in batches of ids in
primary-key order, each batch one transaction: lock the rows, then one statement updates the
clients whose policy differs and writes their history rows from its ``RETURNING`` set, as the
bulk status change does (``clients.services.bulk``). A rerun changes nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from billing_admin.actors import actor_label, actor_user
from billing_admin.bulk_sql import model_columns
from clients.models import Client, ClientEvent
from clients.services.bulk import BATCH_SIZE_INVALID, DEFAULT_BATCH_SIZE, lock_batch

CREDIT_POLICY_INVALID = "Unknown credit policy {value!r}: choose one of {choices}."

# What each ClientEvent column receives (every column must be named: KeyError otherwise).
_EVENT_VALUES = {
    "client_id": "client_id",
    "kind": "%(kind)s",
    "field": "'credit_policy'",
    "old_value": "old_policy",
    "new_value": "%(policy)s",
    "balance_delta": "NULL",
    "actor_user_id": "%(actor_user_id)s",
    "actor_label": "%(actor_label)s",
    "created_at": "%(now)s",
}
_EVENT_COLUMNS = model_columns(ClientEvent, omit=("id",))

# The bulk status statement's shape (clients.services.bulk_sql), for the credit policy column.
SET_CREDIT_POLICY_SQL = f"""
WITH changed AS (
    UPDATE {Client._meta.db_table} AS client
    SET credit_policy = %(policy)s, updated_at = %(now)s
    FROM {Client._meta.db_table} AS before
    WHERE client.id = ANY(%(ids)s::bigint[])
      AND before.id = client.id
      AND before.id = ANY(%(ids)s::bigint[])
      AND before.credit_policy <> %(policy)s
    RETURNING client.id AS client_id, before.credit_policy AS old_policy
), history AS (
    INSERT INTO {ClientEvent._meta.db_table} ({", ".join(_EVENT_COLUMNS)})
    SELECT {", ".join(_EVENT_VALUES[column] for column in _EVENT_COLUMNS)}
    FROM changed
)
SELECT count(*) FROM changed
"""


def parse_credit_policy(value: str) -> str:
    """A policy value from its value or its label, any letter case; ValidationError otherwise."""
    wanted = (value or "").strip().lower()
    for policy, label in Client.CreditPolicy.choices:
        if wanted in (policy, label.lower()):
            return policy
    raise ValidationError(
        {
            "credit_policy": CREDIT_POLICY_INVALID.format(
                value=value, choices=", ".join(Client.CreditPolicy.values)
            )
        }
    )


@dataclass
class BulkCreditPolicyResult:
    policy: str
    selected: int
    batches_total: int
    batches_done: int = 0
    changed: int = 0
    already: int = 0
    vanished: int = 0

    @property
    def processed(self) -> int:
        return self.changed + self.already + self.vanished


def clients_bulk_set_credit_policy(
    *,
    clients: QuerySet[Client] | Iterable[int],
    policy: str,
    actor,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[BulkCreditPolicyResult], None] | None = None,
) -> BulkCreditPolicyResult:
    """Set ``policy`` on every selected client, each batch committing on its own, recording a
    ``profile_changed`` history row (field ``credit_policy``) per changed client, as the Profile
    does for one. ``clients`` and ``on_batch`` work as in ``clients_bulk_set_status``."""
    policy = parse_credit_policy(policy)
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValidationError({"batch_size": BATCH_SIZE_INVALID})
    if isinstance(clients, QuerySet):
        ids = list(clients.order_by("pk").values_list("pk", flat=True))
        scope = clients
    else:
        ids = sorted(set(clients))
        scope = Client.objects.all()
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    result = BulkCreditPolicyResult(policy=policy, selected=len(ids), batches_total=len(batches))
    user = actor_user(actor)
    for batch in batches:
        with transaction.atomic():
            locked = lock_batch(scope, batch)
            with connection.cursor() as cursor:
                cursor.execute(
                    SET_CREDIT_POLICY_SQL,
                    {
                        "ids": locked,
                        "policy": policy,
                        "now": timezone.now(),
                        "kind": ClientEvent.Kind.PROFILE_CHANGED.value,
                        "actor_user_id": user.pk if user is not None else None,
                        "actor_label": actor_label(actor),
                    },
                )
                (changed,) = cursor.fetchone()
        result.batches_done += 1
        result.changed += changed
        result.already += len(locked) - changed
        result.vanished += len(batch) - len(locked)
        if on_batch is not None:
            on_batch(result)
    return result
