"""Read side of merging: what a merge would move, and where a merged client's id leads now."""

from dataclasses import dataclass, field

from django.db.models import ForeignObjectRel, Q, Subquery, Value
from django.db.models.functions import Coalesce, Lower

from clients.models import Client, Contact
from customfields.models import CustomFieldValue
from merges.models import ClientMerge

# What the confirmation page calls each kind of row (the rest use the model's verbose name).
RELATION_LABELS = {"merged_clients": "earlier merges"}


def client_relations() -> list[ForeignObjectRel]:
    """Every reverse foreign key to Client, of every app (hidden ones included): the rows a
    merge re-points. Children of those rows (invoice items...) follow their parents."""
    return [
        relation
        for relation in Client._meta.get_fields(include_hidden=True)
        if relation.auto_created
        and not relation.concrete
        and (relation.one_to_many or relation.one_to_one)
    ]


def _merge_targets(client_id: int):
    """Where ``client_id`` was merged into, the latest merge first (ClientMerge's ordering)."""
    return ClientMerge.objects.filter(source_id=client_id).values_list("target_id", flat=True)


def merged_into(client_id: int) -> int | None:
    """The client that ``client_id`` was merged into (following merges of merges), or None."""
    return _merge_targets(client_id).first()


def answering_client_id(client_id: int) -> Coalesce:
    """The id ``client_id`` answers for now, as an expression: the client it was merged into
    (``merged_into``), else itself. For a read that follows merges and fetches the client in
    one query (``Client.objects.filter(pk=answering_client_id(n))``)."""
    return Coalesce(Subquery(_merge_targets(client_id)[:1]), Value(client_id))


@dataclass
class MergePreview:
    source: Client
    target: Client
    counts: dict[str, int]  # label -> rows that move
    field_conflicts: list[tuple[str, str, str]] = field(default_factory=list)  # field, kept, lost
    duplicate_contacts: int = 0
    emails_differ: bool = True

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _label(relation: ForeignObjectRel) -> str:
    name = relation.get_accessor_name() or relation.name
    return RELATION_LABELS.get(name, str(relation.related_model._meta.verbose_name_plural))


def merge_preview(source: Client, target: Client) -> MergePreview:
    """Counts of what moves from ``source`` to ``target``, and the conflicts the target wins."""
    counts = {}
    for relation in client_relations():
        rows = relation.related_model._base_manager.filter(**{relation.field.name: source.pk})
        count = rows.count()
        if count:
            counts[_label(relation)] = counts.get(_label(relation), 0) + count
    target_values = dict(
        CustomFieldValue.objects.filter(client=target).values_list("field_id", "value")
    )
    conflicts = [
        (value.field.name, target_values[value.field_id], value.value)
        for value in CustomFieldValue.objects.filter(client=source, field_id__in=target_values)
        .select_related("field")
        .order_by("field__sort_order", "field_id")
        if target_values[value.field_id] != value.value
    ]
    return MergePreview(
        source=source,
        target=target,
        counts=counts,
        field_conflicts=conflicts,
        duplicate_contacts=duplicate_contacts(source, target).count(),
        emails_differ=source.email.lower() != target.email.lower(),
    )


def duplicate_contacts(source: Client, target: Client):
    """The source's contacts whose email the target already has as a contact."""
    target_emails = Contact.objects.filter(client=target).annotate(email_lower=Lower("email"))
    return (
        Contact.objects.filter(client=source)
        .annotate(email_lower=Lower("email"))
        .filter(Q(email_lower__in=target_emails.values("email_lower")))
    )
