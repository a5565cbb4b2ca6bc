"""A client's custom field values: checking them by type and writing them with their history."""

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from billing_admin.actors import actor_fields
from clients.models import Client, ClientEvent
from customfields.models import (
    TICKED,
    CustomField,
    CustomFieldValue,
    FieldType,
    history_field_label,
)

# WHMCS's own wording for a missing required value (AddClient/UpdateClient answer with it).
MSG_REQUIRED = "You did not provide required custom field value for {name}"
MSG_UNKNOWN_FIELD = "Custom field ID {field_id} does not exist."
MSG_NUL = "Remove the NUL characters: they cannot be stored."
MSG_TOO_LONG = "Enter at most {limit} characters (this has {length})."
MSG_NUMBER = "Enter a number, such as 42 or -3.75."
MSG_DATE = "Enter a date as YYYY-MM-DD."
MSG_OPTION = "Choose one of: {options}."
MSG_TICKBOX = "Enter on or off (1 or 0, yes or no)."
MSG_LINK = "Enter a web address starting with http:// or https://."

TEXTAREA_MAX_LENGTH = 10_000
VALUE_MAX_LENGTH = 255
NUMBER_MAX_LENGTH = 30
TICKED_WORDS = frozenset({"on", "1", "true", "yes"})
UNTICKED_WORDS = frozenset({"", "off", "0", "false", "no"})
NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_link_validator = URLValidator(schemes=["http", "https"])


FORM_FIELD_PREFIX = "customfield_"


def form_field_name(field_id: int) -> str:
    """The key of a field's errors, and its name on the Profile form."""
    return f"{FORM_FIELD_PREFIX}{field_id}"


def clean_custom_field_value(field: CustomField, raw) -> str:
    """``raw`` (text from a form, the API or a file) as stored: "" means no value.

    Raises ValidationError with a message fit to show beside the field.
    """
    text = "" if raw is None else str(raw)
    if "\x00" in text:
        raise ValidationError(MSG_NUL)
    text = text.strip()
    if field.field_type == FieldType.TICKBOX:
        word = text.lower()
        if word in TICKED_WORDS:
            return TICKED
        if word in UNTICKED_WORDS:
            return ""
        raise ValidationError(MSG_TICKBOX)
    if not text:
        return ""
    limit = {FieldType.TEXTAREA: TEXTAREA_MAX_LENGTH, FieldType.NUMBER: NUMBER_MAX_LENGTH}.get(
        field.field_type, VALUE_MAX_LENGTH
    )
    if len(text) > limit:
        raise ValidationError(MSG_TOO_LONG.format(limit=limit, length=len(text)))
    if field.field_type == FieldType.NUMBER:
        if not NUMBER.fullmatch(text):
            raise ValidationError(MSG_NUMBER)
        return str(Decimal(text))
    if field.field_type == FieldType.DATE:
        try:
            if not ISO_DATE.fullmatch(text):
                raise ValueError(text)
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValidationError(MSG_DATE) from None
    if field.field_type == FieldType.DROPDOWN:
        options = field.option_list
        if text not in options:
            raise ValidationError(MSG_OPTION.format(options=", ".join(options)))
    if field.field_type == FieldType.LINK:
        try:
            _link_validator(text)
        except ValidationError:
            raise ValidationError(MSG_LINK) from None
    return text


def clean_custom_field_values(
    values: Mapping[int, object],
    *,
    fields: Mapping[int, CustomField] | None = None,
    require_all: bool = False,
) -> dict[int, str]:
    """Every value of ``values`` (field id -> raw value) checked; all problems at once.

    ``require_all``: a required field missing from ``values`` is an error too (a new client must
    have them all; an edit changes only what it sends). ``fields`` saves the lookup when the caller
    has the definitions already. Raises ValidationError keyed by ``form_field_name(id)``, with
    unknown ids under "customfields".
    """
    if fields is None:
        fields = CustomField.objects.in_bulk(list(values)) if values or require_all else {}
        if require_all:
            fields = {**{f.pk: f for f in CustomField.objects.filter(required=True)}, **fields}
    errors: dict[str, list[str]] = {}
    unknown = sorted(field_id for field_id in values if field_id not in fields)
    if unknown:
        errors["customfields"] = [MSG_UNKNOWN_FIELD.format(field_id=i) for i in unknown]
    cleaned = {}
    for field_id, field in fields.items():
        if field_id not in values and not require_all:
            continue
        try:
            cleaned[field_id] = clean_custom_field_value(field, values.get(field_id))
            if field.required and not cleaned[field_id]:
                raise ValidationError(MSG_REQUIRED.format(name=field.name))
        except ValidationError as exc:
            errors[form_field_name(field_id)] = exc.messages
    if errors:
        raise ValidationError(errors)
    return {field_id: value for field_id, value in cleaned.items() if field_id in values}


@transaction.atomic
def client_set_custom_field_values(
    *, client_id: int, values: Mapping[int, object], actor, new_client: bool = False
) -> list[int]:
    """Set some of a client's custom field values (field id -> raw value); "" clears one.

    Checks everything before writing anything. Each change is recorded in the client's history
    like a profile field (field name, old and new value), except on a ``new_client``, whose
    creation is the history entry (and whose required fields must then all be given). Returns the
    ids of the fields that changed. The client row is locked, so two editors' history lines follow
    each other instead of both starting from the same old value.
    """
    cleaned = clean_custom_field_values(values, require_all=new_client)
    client = Client.objects.select_for_update(of=("self",)).only("pk").get(pk=client_id)
    fields = CustomField.objects.in_bulk(list(cleaned))
    current = {
        row.field_id: row
        for row in CustomFieldValue.objects.filter(client=client, field_id__in=list(cleaned))
    }
    changed = [
        field_id
        for field_id, value in cleaned.items()
        if value != (current[field_id].value if field_id in current else "")
    ]
    if not changed:
        return []
    to_create, to_update, to_delete, events = [], [], [], []
    for field_id in changed:
        row, value = current.get(field_id), cleaned[field_id]
        if row is None:
            to_create.append(CustomFieldValue(client=client, field_id=field_id, value=value))
        elif value:
            to_update.append(row)
        else:
            to_delete.append(row.pk)
        if not new_client:
            events.append(
                ClientEvent(
                    client=client,
                    kind=ClientEvent.Kind.PROFILE_CHANGED,
                    field=history_field_label(field_id, fields[field_id].name),
                    old_value=row.value if row is not None else "",
                    new_value=value,
                    **actor_fields(actor),
                )
            )
        if row is not None:
            row.value = value
    CustomFieldValue.objects.filter(pk__in=to_delete).delete()
    CustomFieldValue.objects.bulk_update(to_update, ["value"])
    CustomFieldValue.objects.bulk_create(to_create)
    ClientEvent.objects.bulk_create(events)
    return changed
