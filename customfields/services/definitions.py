"""Defining custom client fields: creating, editing and deleting the definitions."""

from django.core.exceptions import ValidationError
from django.db import transaction

from customfields.models import INDEXED_VALUE_LENGTH, CustomField, CustomFieldValue, FieldType

MSG_HAS_VALUES = (
    "{count} client(s) have a value in this field. Deleting it removes those values too: "
    "confirm to go ahead."
)
MSG_TYPE_LOCKED = (
    "The type cannot change while clients have values in this field: their values were checked "
    "as {old}. Clear them first, or add a new field."
)
MSG_OPTIONS_REQUIRED = "A drop down needs at least one option."
MSG_OPTION_TOO_LONG = "Each option has at most {limit} characters."
MSG_OPTIONS_DUPLICATE = "Each option may appear once (in any letter case): {options}."
MSG_OPTIONS_IN_USE = "Clients still have these values, which the new options leave out: {options}."
MSG_FILTER_TYPE = "Only drop down and tick box fields are list filters."
MSG_SEARCH_TYPE = "Only text box and link fields are searchable."
MSG_NUL = "Remove the NUL characters: they cannot be stored."

DEFINITION_FIELDS = (
    "name",
    "field_type",
    "description",
    "options",
    "required",
    "admin_only",
    "show_in_list",
    "filterable",
    "searchable",
    "personal",
    "sort_order",
)


def custom_field_validate(field: CustomField) -> None:
    """Everything a definition must satisfy, as field errors (the database backs the flags).
    ``field`` is unsaved; with a pk it is checked against the stored definition and its values."""
    old = CustomField.objects.filter(pk=field.pk).first() if field.pk else None
    errors: dict[str, str] = {}
    for name in ("name", "description", "options"):
        if "\x00" in getattr(field, name):
            errors[name] = MSG_NUL
    # A candidate carrying a stored pk stands for that row, not for a new one with its id.
    exclude = [CustomField._meta.pk.name] if old is not None else None
    try:
        field.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    options = field.option_list
    if field.field_type == FieldType.DROPDOWN:
        # Case-insensitively: the list filter matches an option by its lower-cased text.
        lowered = [option.lower() for option in options]
        duplicates = sorted({o for o in options if lowered.count(o.lower()) > 1})
        if not options:
            errors.setdefault("options", MSG_OPTIONS_REQUIRED)
        elif any(len(option) > INDEXED_VALUE_LENGTH for option in options):
            errors.setdefault("options", MSG_OPTION_TOO_LONG.format(limit=INDEXED_VALUE_LENGTH))
        elif duplicates:
            errors.setdefault(
                "options", MSG_OPTIONS_DUPLICATE.format(options=", ".join(duplicates))
            )
    if field.filterable and field.field_type not in (FieldType.DROPDOWN, FieldType.TICKBOX):
        errors["filterable"] = MSG_FILTER_TYPE
    if field.searchable and field.field_type not in (FieldType.TEXT, FieldType.LINK):
        errors["searchable"] = MSG_SEARCH_TYPE
    if old is not None and not errors:
        values = CustomFieldValue.objects.filter(field=old)
        if field.field_type != old.field_type and values.exists():
            errors["field_type"] = MSG_TYPE_LOCKED.format(old=old.get_field_type_display())
        elif field.field_type == FieldType.DROPDOWN and old.option_list != options:
            left_out = sorted(
                values.exclude(value__in=options).values_list("value", flat=True).distinct()[:10]
            )
            if left_out:
                errors["options"] = MSG_OPTIONS_IN_USE.format(options=", ".join(left_out))
    if errors:
        raise ValidationError(errors)


def _unknown(fields: dict, service: str) -> None:
    unknown = set(fields) - set(DEFINITION_FIELDS)
    if unknown:
        raise TypeError(f"{service}() got unexpected fields: {', '.join(sorted(unknown))}")


@transaction.atomic
def custom_field_create(*, actor, **fields) -> CustomField:
    """Define a field (``fields`` from ``DEFINITION_FIELDS``). ``actor`` is who asked; the admin
    keeps its own log of definition changes."""
    _unknown(fields, "custom_field_create")
    field = CustomField(**fields)
    custom_field_validate(field)
    field.save()
    return field


@transaction.atomic
def custom_field_update(*, field_id: int, actor, **fields) -> CustomField:
    """Change a definition. Its type is locked while values exist, and a drop down cannot lose an
    option some client has chosen (the value would no longer pass its own field's check)."""
    _unknown(fields, "custom_field_update")
    field = CustomField.objects.select_for_update().get(pk=field_id)
    for name, value in fields.items():
        setattr(field, name, value)
    custom_field_validate(field)
    field.save(update_fields=list(fields) or None)
    return field


@transaction.atomic
def custom_field_delete(*, field_id: int, actor, delete_values: bool = False) -> int:
    """Delete a definition. While clients have values in it this is refused unless
    ``delete_values`` (staff confirmed), and then the values go with it, in this transaction.
    Returns how many values were removed."""
    field = CustomField.objects.select_for_update().get(pk=field_id)
    values = CustomFieldValue.objects.filter(field=field)
    count = values.count()
    if count and not delete_values:
        raise ValidationError(MSG_HAS_VALUES.format(count=count))
    removed = values.delete()[0] if count else 0
    field.delete()
    return removed
