"""Credit policies set in bulk (the admin action and ``set_credit_policy``), set-based.

One client's policy is a Profile field (``client_update``); many at once go through the same
batches as a bulk status change (``clients.services.bulk.run_in_batches``): a rerun changes
nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from billing_admin.actors import actor_fields
from clients.models import Client, ClientEvent
from clients.services.bulk import (
    DEFAULT_BATCH_SIZE,
    BulkRunResult,
    run_in_batches,
    validate_batch_size,
)

CREDIT_POLICY_INVALID = "Unknown credit policy {value!r}: choose one of {choices}."


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


@dataclass(kw_only=True)
class BulkCreditPolicyResult(BulkRunResult):
    policy: str

    @property
    def new_value(self) -> str:
        return self.policy


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
    validate_batch_size(batch_size)
    result = BulkCreditPolicyResult(policy=policy)
    run_in_batches(
        clients=clients,
        column="credit_policy",
        event={
            "kind": ClientEvent.Kind.PROFILE_CHANGED,
            "field": "credit_policy",
            "new_value": policy,
            **actor_fields(actor),
        },
        result=result,
        batch_size=batch_size,
        on_batch=on_batch,
    )
    return result
