"""Where the database holds personal data about clients, how each piece is erased, and which rows
belong in a client's data export: the one list that Anonymise, the data export and the retention
run all read.

Every model of the project's apps is declared here, field by field: each text column (char,
text, email, JSON, array) is either ``erase``d (personal) or ``keep``t (not personal, or a record
the books keep), and every model a client's rows can reach must say how its rows are found from a
client (``client``) or that it holds none (``client=None``). ``privacy/tests`` fail for a model or
text field that is not declared, so a new model cannot be forgotten: add a ``Holder`` for it.

Models are named by label ("app.Model") and resolved lazily, so this module imports no app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Concat

# The domain of every address an anonymised row gets: unique per row, and undeliverable by
# definition (RFC 2606 reserves .invalid).
UNDELIVERABLE_DOMAIN = "anonymised.invalid"
PLACEHOLDER_CLIENT = "Anonymised client #"


class Eraser:
    """How one column is erased: an SQL expression, so many rows are erased in one UPDATE."""

    def expression(self, model: type[models.Model]) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Constant(Eraser):
    value: Any

    def expression(self, model):
        return Value(self.value)


@dataclass(frozen=True)
class Numbered(Eraser):
    """``prefix`` + the row's ``id_field`` + ``suffix``, e.g. "Anonymised client #123"."""

    prefix: str
    id_field: str = "pk"
    suffix: str = ""

    def expression(self, model):
        return Concat(
            Value(self.prefix),
            Cast(F(self.id_field), models.CharField()),
            Value(self.suffix),
            output_field=models.CharField(),
        )


@dataclass(frozen=True)
class Deleted(Eraser):
    """The row itself goes (a note, a personal custom field value): nothing of it is a record
    the books need, and an empty row would mean nothing."""

    def expression(self, model):
        return None


DELETED = Deleted()
BLANK = Constant("")
NULL = Constant(None)
EMPTY_JSON = Constant({})


def placeholder_name(id_field: str = "pk") -> Numbered:
    return Numbered(PLACEHOLDER_CLIENT, id_field)


def undeliverable_email(prefix: str, id_field: str = "pk") -> Numbered:
    """A unique address nobody receives: "<prefix><id>@anonymised.invalid"."""
    return Numbered(prefix, id_field, f"@{UNDELIVERABLE_DOMAIN}")


def erased_person(kind: str) -> dict:
    """The erasers of a person's name, email, phone and address (a client's or a contact's):
    "Anonymised <kind> #<id>", an undeliverable "<kind>-<id>@..." address, the rest blank."""
    return {
        "first_name": Constant("Anonymised"),
        "last_name": Numbered(f"{kind} #"),
        "company_name": BLANK,
        "email": undeliverable_email(f"{kind}-"),
        "phone_number": BLANK,
        "address1": BLANK,
        "address2": BLANK,
        "city": BLANK,
        "state": BLANK,
        "postcode": BLANK,
    }


@dataclass(frozen=True)
class Holder:
    """One model's personal data.

    ``client``: the lookup from a row to its client's id ("pk" for Client itself, "client",
    "invoice__client"), or None when no row belongs to a live client (then ``erase`` is empty).
    ``rows``: instead of ``client``, a function (model, client ids) -> the client's rows, for a
    model that reaches the client without a foreign key.
    ``erase``: personal columns and their erasers. ``erase_only``: erase only the rows matching
    this condition (say, history entries of personal fields).
    ``keep``: text columns that stay, each with why (statuses, amounts, what staff wrote).
    ``retained_from``: a date column. The personal columns are a legal record (an invoice as
    issued, a payment) kept ``INVOICE_RETENTION_YEARS`` from that date, and erased after it.
    ``export``: whether the client's rows of this model go in the data export.
    """

    model: str
    client: str | None
    erase: dict[str, Eraser] = field(default_factory=dict)
    keep: dict[str, str] = field(default_factory=dict)
    erase_only: Q | None = None
    retained_from: str | None = None
    rows: Callable[[type[models.Model], list[int]], models.QuerySet] | None = None
    export: bool = True

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def client_rows(self, client_ids: list[int]) -> models.QuerySet:
        """Every row of this model that belongs to one of the clients."""
        model = self.model_class
        if self.rows is not None:
            return self.rows(model, client_ids)
        if self.client is None:
            return model._base_manager.none()
        return model._base_manager.filter(**{f"{self.client}__in": client_ids})

    def erasable_rows(self, client_ids: list[int]) -> models.QuerySet:
        rows = self.client_rows(client_ids)
        return rows.filter(self.erase_only) if self.erase_only is not None else rows

    @property
    def exported(self) -> bool:
        """In a client's data export: declared so, and its rows can be found from a client."""
        return self.export and (self.client is not None or self.rows is not None)

    @property
    def deletes_rows(self) -> bool:
        return any(isinstance(eraser, Deleted) for eraser in self.erase.values())

    def erased_values(self) -> dict[str, Any]:
        model = self.model_class
        return {name: eraser.expression(model) for name, eraser in self.erase.items()}


def _client_log_entries(model, client_ids):
    """The admin's own log names the client it changed (``object_repr`` is ``str(client)``)."""
    from django.contrib.contenttypes.models import ContentType

    client_type = ContentType.objects.get_for_model(apps.get_model("clients.Client"))
    return model._base_manager.filter(
        content_type=client_type, object_id__in=[str(pk) for pk in client_ids]
    )


def _transaction_changes(model, client_ids):
    txns = apps.get_model("transactions.Transaction")._base_manager.filter(client__in=client_ids)
    return model._base_manager.filter(transaction_pk__in=txns.values("pk"))


# History entries whose old and new values hold nothing personal: status changes, balance edits,
# creation, anonymising, and profile changes of these fields. Every other entry (profile fields,
# contacts, notes, custom fields, and kinds added later) has its values erased.
NON_PERSONAL_EVENT_KINDS = ("created", "status_changed", "balance_adjusted", "anonymised")
NON_PERSONAL_PROFILE_FIELDS = (
    "currency",
    "language",
    "group",
    "status",
    "tax_exempt",
    "marketing_opt_in",
    "override_auto_close",
    "country",
)
PERSONAL_HISTORY = ~Q(kind__in=NON_PERSONAL_EVENT_KINDS) & ~Q(
    kind="profile_changed", field__in=NON_PERSONAL_PROFILE_FIELDS
)

IDENTITY_SNAPSHOT = "the identity the record was issued to, kept while its retention runs"
STAFF_WRITTEN = "written by staff about the billing record; the books keep it"
CODE = "a code, status or reference, not personal"
# A transaction and the record of its deletion keep the same columns.
TRANSACTION_KEPT = {
    "gateway": CODE,
    "transaction_id": "the gateway's reference",
    "description": STAFF_WRITTEN,
    "currency": CODE,
    "invoice_number": CODE,
    "actor_label": "staff",
}

REGISTRY: list[Holder] = [
    Holder(
        "clients.Client",
        client="pk",
        erase=erased_person("client"),
        keep={
            "country": "kept for tax reporting (a country identifies nobody)",
            "credit_policy": CODE,
            "currency": CODE,
            "language": CODE,
            "status": CODE,
        },
    ),
    Holder(
        "clients.ClientEvent",
        client="client",
        erase={"old_value": BLANK, "new_value": BLANK},
        erase_only=PERSONAL_HISTORY,
        keep={
            "kind": CODE,
            "field": "the name of the field changed",
            "actor_label": "the staff member or system that made the change",
        },
    ),
    Holder(
        "clients.Contact",
        client="client",
        erase=erased_person("contact"),
        keep={"country": "a country identifies nobody"},
    ),
    Holder(
        "clients.ClientNote",
        client="client",
        erase={"text": DELETED},
        keep={"author_label": "staff"},
    ),
    Holder(
        "customfields.CustomFieldValue",
        client="client",
        erase={"value": DELETED},
        # Only values of fields marked as personal data: the rest (a plan code, a referral
        # source) stay with the books.
        erase_only=Q(field__personal=True),
    ),
    Holder(
        "customfields.CustomField",
        client=None,
        keep={
            "name": "a field's definition",
            "field_type": CODE,
            "description": "a field's definition",
            "options": "a field's definition",
        },
        export=False,
    ),
    Holder(
        "clients.ClientImport",
        client=None,
        keep={
            "filename": "an uploaded file's name",
            "content": "an upload awaiting confirmation; cleared once imported",
            "status": CODE,
            "report": "counts and problems of an import",
            "rejects_csv": "rows an import refused: never clients",
            "actor_label": "staff",
        },
    ),
    Holder(
        "clients.EmailLog",
        client="client",
        # The rendered message names the client and its figures; the copy-to addresses are
        # its contacts'. What kind of email went when, and how it went, stays.
        erase={
            "to_address": undeliverable_email("email-"),
            "cc": Constant([]),
            "subject": BLANK,
            "body_text": BLANK,
            "body_html": BLANK,
            "error": BLANK,
        },
        keep={
            "kind": CODE,
            "template": CODE,
            "status": CODE,
            "from_email": "our own sender address",
            "message_id": "a reference",
            "actor_label": "staff",
        },
    ),
    Holder(
        "emails.EmailAttachment",
        client="email__client",
        # A statement's PDF names and addresses the client: the attachment goes with its email's
        # content (the email's row, who sent what when, stays).
        erase={"content": DELETED},
        keep={"filename": "a file name we chose", "mimetype": CODE},
    ),
    Holder(
        "statements.SentStatement",
        client="client",
        erase={"to_address": undeliverable_email("statement-")},
        keep={"actor_label": "staff"},
    ),
    Holder(
        "clients.ClientDataExport",
        client="client",
        # Staff tend to write who asked ("request from Jane Doe by email"): erased, while who
        # exported and when stay.
        erase={"reason": BLANK},
        keep={"actor_label": "staff"},
    ),
    Holder(
        "clients.ClientDeletion",
        client=None,
        keep={
            "client_name": "written only for deleted clients; the retention run writes none",
            "client_email": "written only for deleted clients; the retention run writes none",
            "removed_counts": "counts per model",
            "actor_label": "staff",
        },
    ),
    Holder(
        "merges.ClientMerge",
        client="target",
        # The merged-in client was the same person (or their duplicate record).
        erase={
            "source_name": placeholder_name("source_id"),
            "source_email": undeliverable_email("client-", "source_id"),
        },
        keep={"moved_counts": "counts per model", "actor_label": "staff"},
    ),
    Holder(
        "credits.CreditEntry",
        client="client",
        keep={"description": STAFF_WRITTEN, "kind": CODE, "actor_label": "staff"},
    ),
    Holder(
        "transactions.Transaction",
        client="client",
        erase={
            "client_name": placeholder_name("client_snapshot_id"),
            "client_company": BLANK,
            "client_email": undeliverable_email("client-", "client_snapshot_id"),
        },
        retained_from="date",
        keep=TRANSACTION_KEPT,
    ),
    Holder(
        "transactions.TransactionDeletion",
        client="client_snapshot_id",
        erase={"client_name": placeholder_name("client_snapshot_id")},
        retained_from="date",
        keep=TRANSACTION_KEPT,
    ),
    Holder(
        "transactions.TransactionChange",
        client=None,
        rows=_transaction_changes,
        keep={
            "changes": "old and new values of transaction columns (never the client snapshot)",
            "actor_label": "staff",
        },
    ),
    Holder(
        "invoices.ClientService",
        client="client",
        keep={
            "product_name": "what was sold; invoice lines repeat it",
            "description": STAFF_WRITTEN,
            "status": CODE,
            "billing_cycle": CODE,
        },
    ),
    Holder(
        "invoices.Invoice",
        client="client",
        erase={
            "billed_first_name": Constant("Anonymised"),
            "billed_last_name": Numbered("client #", "client_id"),
            "billed_company": BLANK,
            "billed_email": undeliverable_email("client-", "client_id"),
            "billed_phone": BLANK,
            "billed_address1": BLANK,
            "billed_address2": BLANK,
            "billed_city": BLANK,
            "billed_state": BLANK,
            "billed_postcode": BLANK,
            "billed_contact_name": BLANK,
            "billed_contact_email": BLANK,
        },
        retained_from="date",
        keep={
            "status": CODE,
            "currency": CODE,
            "payment_method": CODE,
            "notes": STAFF_WRITTEN,
            "billed_country": "kept for tax reporting (a country identifies nobody)",
        },
    ),
    Holder(
        "invoices.InvoiceItem",
        client="invoice__client",
        keep={"description": "what was sold"},
    ),
    Holder(
        "invoices.InvoiceEvent",
        client="invoice__client",
        keep={
            "kind": CODE,
            "old_value": "statuses and amounts",
            "new_value": "statuses and amounts",
            "actor_label": "staff",
        },
    ),
    Holder(
        "admin.LogEntry",
        client=None,
        rows=_client_log_entries,
        erase={"object_repr": Numbered(PLACEHOLDER_CLIENT, "object_id")},
        keep={"object_id": "the client's id", "change_message": "the names of changed fields"},
    ),
]

# Models of the project's apps that hold no client's data at all, and why.
NO_CLIENT_DATA: dict[str, str] = {
    "api.IdempotentCall": "answers to API write calls: ids and statuses, kept to answer retries",
    "clients.ClientGroup": "a named group; no person",
    "api.ApiCredential": "staff credentials",
}


def holders() -> dict[type[models.Model], Holder]:
    """The registry by model class (for models that exist in this installation)."""
    return {holder.model_class: holder for holder in REGISTRY if _installed(holder.model)}


def holder_for(model: type[models.Model]) -> Holder | None:
    return holders().get(model)


def _installed(label: str) -> bool:
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


TEXT_FIELD_TYPES = frozenset({"CharField", "TextField", "JSONField", "ArrayField"})


def text_fields(model: type[models.Model]) -> list[str]:
    """The model's stored text columns (generated columns are derived, so they follow)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.get_internal_type() in TEXT_FIELD_TYPES and not f.generated
    ]


def client_related_models() -> set[type[models.Model]]:
    """Every model whose rows a client's rows reach by foreign keys, hidden ones included."""
    client = apps.get_model("clients.Client")
    seen: set[type[models.Model]] = set()
    pending = [client]
    while pending:
        model = pending.pop()
        for relation in model._meta.get_fields(include_hidden=True):
            if relation.auto_created and not relation.concrete and relation.is_relation:
                related = relation.related_model
                if related not in seen and related is not client:
                    seen.add(related)
                    pending.append(related)
    return seen


def project_models() -> list[type[models.Model]]:
    """The models of this project's own apps (not Django's or third parties')."""
    from django.conf import settings

    base = str(settings.BASE_DIR)
    return [
        model
        for config in apps.get_app_configs()
        if config.path.startswith(base) and "site-packages" not in config.path
        for model in config.get_models()
        if not model._meta.proxy
    ]


def undeclared() -> list[str]:
    """What the registry misses: undeclared models and text columns (empty when complete)."""
    declared = holders()
    problems = []
    for model in sorted({*project_models(), *client_related_models()}, key=lambda m: m._meta.label):
        label = model._meta.label
        if label in NO_CLIENT_DATA:
            continue
        holder = declared.get(model)
        if holder is None:
            problems.append(f"{label}: no Holder in billing_admin.personal_data.REGISTRY")
            continue
        for name in text_fields(model):
            if name not in holder.erase and name not in holder.keep:
                problems.append(f"{label}.{name}: neither erased nor kept")
    for holder in declared.values():
        unknown = (set(holder.erase) | set(holder.keep)) - {
            f.name for f in holder.model_class._meta.concrete_fields
        }
        if unknown:
            problems.append(f"{holder.model}: declares unknown fields {sorted(unknown)}")
    return problems
