"""Reads of custom client fields: definitions, one client's values, and what the client list needs
(columns, filters, search). No writes here."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Left, Lower

from billing_admin.prepared import PLACEHOLDER_ID, PreparedRead
from clients.models import Client, ClientEvent
from customfields.models import (
    INDEXED_VALUE_LENGTH,
    TICKED,
    VALUE_KEY,
    CustomField,
    CustomFieldValue,
    FieldType,
    history_field_prefix,
)


def custom_fields() -> QuerySet[CustomField]:
    """Every definition in display order."""
    return CustomField.objects.all()


def first_custom_field(field_ids: Iterable[int]) -> CustomField | None:
    """Of ``field_ids``, the field shown first (display order): the one an error names."""
    return custom_fields().filter(pk__in=field_ids).first()


def client_list_fields() -> list[CustomField]:
    """The definitions the client list uses (a column, a filter or the search), in one query."""
    return list(
        CustomField.objects.filter(Q(show_in_list=True) | Q(filterable=True) | Q(searchable=True))
    )


def column_alias(field: CustomField) -> str:
    return f"custom_field_{field.pk}"


def _value_of(field_id: int) -> Subquery:
    rows = CustomFieldValue.objects.filter(client=OuterRef("pk"), field_id=field_id)
    return Subquery(rows.values("value")[:1])


def with_custom_field_columns(
    clients: QuerySet[Client], fields: Iterable[CustomField]
) -> QuerySet[Client]:
    """Each field's value as ``column_alias(field)`` on every row, in the list's own query (one
    index probe on the unique (client, field) per row and field, never a query per row)."""
    return clients.annotate(**{column_alias(field): _value_of(field.pk) for field in fields})


def _key(text: str) -> Lower:
    """The indexed form of ``text``, computed by the database exactly as for the stored value."""
    return Lower(Left(Value(text), INDEXED_VALUE_LENGTH))


def filter_by_custom_field(clients: QuerySet[Client], field: CustomField, value: str):
    """Clients whose ``field`` holds ``value`` exactly; for a tick box "" means not ticked."""
    if field.field_type == FieldType.TICKBOX and value != TICKED:
        ticked = CustomFieldValue.objects.filter(client=OuterRef("pk"), field=field)
        return clients.filter(~Exists(ticked))
    # The key alone identifies the option: options are at most INDEXED_VALUE_LENGTH long and
    # differ in more than letter case, and values are always one of them.
    matching = CustomFieldValue.objects.alias(key=VALUE_KEY).filter(
        client=OuterRef("pk"), field=field, key=_key(value)
    )
    return clients.filter(Exists(matching))


def custom_field_search_client_ids(term: str, fields: Iterable[CustomField]) -> QuerySet | None:
    """The ids of clients with a searchable field starting with ``term`` (any letter case), for
    the list search's union; None when no field is searchable."""
    field_ids = [field.pk for field in fields if field.searchable]
    term = term.strip()
    if not field_ids or not term:
        return None
    # LIKE wildcards in the term are escaped by Django's startswith lookups.
    return (
        CustomFieldValue.objects.order_by()
        .alias(key=VALUE_KEY)
        .filter(field_id__in=field_ids, key__startswith=term.lower()[:INDEXED_VALUE_LENGTH])
        .filter(value__istartswith=term)
        .values("client_id")
    )


def client_custom_fields(client: Client, *, include_admin_only: bool = True) -> list[CustomField]:
    """Every definition with this client's value as ``.value`` ("" when it has none), in display
    order, in one query: the Summary, the Profile and GetClientsDetails show them all.
    ``include_admin_only=False`` for anything the client sees (emails)."""
    prepared = _FIELDS_WITH_VALUE if include_admin_only else _CLIENT_VISIBLE_FIELDS_WITH_VALUE
    fields = list(prepared.run(client.pk))
    for field in fields:
        field.value = field.value or ""
    return fields


def _value_of_client(client_id: int) -> Subquery:
    rows = CustomFieldValue.objects.filter(client_id=client_id, field=OuterRef("pk"))
    return Subquery(rows.values("value")[:1])


# Compiled once (billing_admin.prepared): GetClientsDetails reads these on every call.
_FIELDS_WITH_VALUE = PreparedRead(
    lambda client_id: CustomField.objects.annotate(value=_value_of_client(client_id)),
    PLACEHOLDER_ID,
)
_CLIENT_VISIBLE_FIELDS_WITH_VALUE = PreparedRead(
    lambda client_id: CustomField.objects.filter(admin_only=False).annotate(
        value=_value_of_client(client_id)
    ),
    PLACEHOLDER_ID,
)


def custom_field_values_for(client_ids: Iterable[int]) -> dict[int, dict[int, str]]:
    """{client id: {field id: value}} for these clients, in one query (merging clients and
    exporting them read it). Clients without values are absent."""
    values: dict[int, dict[int, str]] = defaultdict(dict)
    rows = CustomFieldValue.objects.filter(client_id__in=list(client_ids)).values_list(
        "client_id", "field_id", "value"
    )
    for client_id, field_id, value in rows:
        values[client_id][field_id] = value
    return dict(values)


def personal_custom_field_values(client: Client) -> QuerySet[CustomFieldValue]:
    """This client's values in fields marked as holding personal data (data-protection exports
    and erasure)."""
    return CustomFieldValue.objects.filter(client=client, field__personal=True).select_related(
        "field"
    )


def personal_custom_field_history(client: Client) -> QuerySet[ClientEvent]:
    """This client's history lines recording changes to fields that hold personal data (erasure
    must blank their old and new values too), found by the field id each line starts with."""
    ids = CustomField.objects.filter(personal=True).values_list("pk", flat=True)
    condition = Q(pk__in=[])
    for field_id in ids:
        condition |= Q(field__startswith=history_field_prefix(field_id))
    return client.events.filter(condition, kind=ClientEvent.Kind.PROFILE_CHANGED)
