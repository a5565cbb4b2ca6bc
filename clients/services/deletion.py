"""Deleting clients: everything related to a client goes, except its transactions (income).

WHMCS semantics: deleting a client "removes everything related to that client from the database
except for transactions". The related rows are found generically by walking the reverse foreign
keys from Client (including hidden ones and those of later apps), so this module imports no other
app. Each relation becomes one set-based SQL statement over all the selected clients, children
before parents, so the number of queries depends on the schema, never on the number of rows.

Transactions are kept: the database unlinks them (their foreign keys to the client and to its
invoices are ON DELETE SET NULL, transactions migration 0003), and the client's identity snapshot
written on each row when it was recorded keeps them readable.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, models, transaction
from django.db.models import Count, Q

from billing_admin.actors import actor_fields
from billing_admin.money import currency_totals
from clients.models import Client, ClientDeletion

# Rows of these models outlive the client: the database sets their foreign keys to NULL
# (ON DELETE SET NULL), so deleting the parent rows is all it takes.
KEPT_MODEL_LABELS = frozenset({"transactions.Transaction"})

MSG_NO_CLIENTS = "Select at least one client to delete."
MSG_CLIENT_NOT_FOUND = "Client #%(client_id)s does not exist (already deleted?)."
MSG_PROTECTED = (
    "The selected clients cannot be deleted: %(count)s %(model)s of other clients still refer "
    "to their %(parent)s."
)


class Action(Enum):
    DELETE = "delete"
    SET_NULL = "set null"
    KEEP = "keep"
    PROTECT = "protect"


@dataclass(frozen=True)
class Step:
    """One relation to handle: rows of ``model`` reaching the client through ``client_lookup``."""

    model: type[models.Model]
    client_lookup: str
    action: Action
    # The foreign key the rows hang on (set to NULL for SET_NULL; the database does it for KEEP).
    field_name: str
    parent: type[models.Model]

    def rows(self, client_ids: Iterable[int]) -> models.QuerySet:
        return self.model._base_manager.filter(**{f"{self.client_lookup}__in": client_ids})

    def rows_staying(self, steps: list["Step"], client_ids: list[int]) -> models.QuerySet:
        """The rows that no DELETE step of the same model removes: other clients' rows."""
        rows = self.rows(client_ids)
        for step in steps:
            if step.action is Action.DELETE and step.model is self.model:
                rows = rows.exclude(**{f"{step.client_lookup}__in": client_ids})
        return rows


def _reverse_foreign_keys(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    # The same candidates Django's Collector considers, hidden ones (related_name="+") included.
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and (field.one_to_many or field.one_to_one)
    ]


def deletion_plan(
    model: type[models.Model] = Client, client_lookup: str = "pk", ancestors: tuple = ()
) -> list[Step]:
    """The steps that remove ``model``'s dependants, children before their parents."""
    steps = []
    for relation in _reverse_foreign_keys(model):
        related, field = relation.related_model, relation.field
        lookup = field.name if client_lookup == "pk" else f"{field.name}__{client_lookup}"
        on_delete = field.remote_field.on_delete
        if related._meta.label in KEPT_MODEL_LABELS:
            if not field.null:
                raise ImproperlyConfigured(f"{field} must be nullable to keep {related} rows.")
            action = Action.KEEP
        elif on_delete is models.CASCADE:
            if related in ancestors or related is model:
                raise ImproperlyConfigured(f"Cascade cycle through {field}: delete it explicitly.")
            steps += deletion_plan(related, lookup, (*ancestors, model))
            action = Action.DELETE
        elif on_delete is models.SET_NULL:
            action = Action.SET_NULL
        elif on_delete in (models.PROTECT, models.RESTRICT):
            action = Action.PROTECT
        elif on_delete is models.DO_NOTHING:
            continue
        else:
            raise ImproperlyConfigured(f"Client deletion does not handle on_delete of {field}.")
        steps.append(Step(related, lookup, action, field.name, model))
    return steps


def _delete_rows(queryset: models.QuerySet) -> int:
    """DELETE the queryset's rows in one statement (QuerySet.delete() would collect them first)."""
    model = queryset.model
    subquery, params = queryset.order_by().values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} "
            f"WHERE {quote(model._meta.pk.column)} IN ({subquery})",
            params,
        )
        return cursor.rowcount


def _removal_name(model: type[models.Model]) -> str:
    return str(model._meta.verbose_name_plural)


def _check_protected(steps: list[Step], client_ids: list[int]) -> None:
    """Refuse when rows that go with the clients are protected by rows that would stay."""
    for step in steps:
        if step.action is not Action.PROTECT:
            continue
        staying = step.rows_staying(steps, client_ids)
        # EXISTS stops at the first row; counting them is for the refusal's message only.
        if staying.exists():
            raise ValidationError(
                MSG_PROTECTED,
                code="protected",
                params={
                    "count": staying.count(),
                    "model": _removal_name(step.model),
                    "parent": _removal_name(step.parent),
                },
            )


@dataclass(frozen=True)
class DeletionSummary:
    """What deleting the clients would remove and keep, for the confirmation page."""

    removed_counts: dict[str, int]
    kept_transactions: int
    # [(currency, amount in, fees, amount out)] over the kept transactions.
    kept_totals: list[tuple[str, Decimal, Decimal, Decimal]]


def _kept_transactions(client_ids: list[int]) -> models.QuerySet:
    return Client._meta.get_field("transactions").related_model._base_manager.filter(
        client__in=client_ids
    )


def client_deletion_summary(*, client_ids: list[int]) -> DeletionSummary:
    """Counts per related model (one query per model) and the kept transactions' totals."""
    steps_by_model = defaultdict(list)
    for step in deletion_plan():
        if step.action is Action.DELETE:
            steps_by_model[step.model].append(step)
    removed_counts = {}
    for model, steps in steps_by_model.items():
        reached = Q()
        for step in steps:
            reached |= Q(**{f"{step.client_lookup}__in": client_ids})
        removed_counts[_removal_name(model)] = model._base_manager.filter(reached).count()
    kept = _kept_transactions(client_ids)
    totals = currency_totals(kept, kept.model.AMOUNT_FIELDS)
    return DeletionSummary(
        removed_counts=removed_counts,
        kept_transactions=sum(row["count"] for row in totals),
        kept_totals=[
            (row["currency"], *(row[name] for name in kept.model.AMOUNT_FIELDS)) for row in totals
        ],
    )


@transaction.atomic
def clients_delete(*, client_ids: Iterable[int], actor) -> list[ClientDeletion]:
    """Delete the clients and everything related to them except transactions, in one transaction.

    Locks the client rows in pk order, then removes each relation with one statement for all the
    clients, and records a ClientDeletion per client. Raises ValidationError (nothing written)
    for an unknown client or rows of other clients that protect what would go.
    """
    client_ids = sorted(set(client_ids))
    if not client_ids:
        raise ValidationError(MSG_NO_CLIENTS, code="required")
    clients = list(Client.objects.select_for_update().filter(pk__in=client_ids).order_by("pk"))
    missing = sorted(set(client_ids) - {client.pk for client in clients})
    if missing:
        raise ValidationError(
            MSG_CLIENT_NOT_FOUND, code="not_found", params={"client_id": missing[0]}
        )

    steps = deletion_plan()
    _check_protected(steps, client_ids)
    kept = dict(
        _kept_transactions(client_ids).order_by().values_list("client").annotate(count=Count("pk"))
    )
    removed = {client.pk: defaultdict(int) for client in clients}
    for step in steps:
        rows = step.rows(client_ids)
        if step.action is Action.DELETE:
            per_client = rows.order_by().values_list(step.client_lookup).annotate(n=Count("pk"))
            for client_id, count in per_client:
                removed[client_id][_removal_name(step.model)] += count
            _delete_rows(rows)
        elif step.action is Action.SET_NULL:
            # Only other clients' rows: the clients' own go with them in a later step.
            step.rows_staying(steps, client_ids).update(**{step.field_name: None})
    _delete_rows(Client._base_manager.filter(pk__in=client_ids))

    deletions = [
        ClientDeletion(
            client_id=client.pk,
            client_name=client.full_name,
            client_email=client.email,
            removed_counts=dict(removed[client.pk]),
            kept_transactions=kept.get(client.pk, 0),
            **actor_fields(actor),
        )
        for client in clients
    ]
    for deletion in deletions:
        # removed_counts is {} for a client with nothing attached: valid, though "blank".
        deletion.full_clean(exclude=["actor_user", "removed_counts"])
    return ClientDeletion.objects.bulk_create(deletions)


def client_delete(*, client_id: int, actor) -> ClientDeletion:
    """Delete one client (see clients_delete)."""
    return clients_delete(client_ids=[client_id], actor=actor)[0]
