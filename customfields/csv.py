"""Custom client fields in the client list's CSV export and import (clients.csv_export's
extension hook): one column per field, headed by the field's name, checked by its type."""

from django.core.exceptions import ValidationError

from clients.csv_export import ExportColumn, guarded_text
from clients.services.imports import normalise_header
from customfields.models import CustomField, CustomFieldValue
from customfields.services import clean_custom_field_values, client_set_custom_field_values
from customfields.services.values import FORM_FIELD_PREFIX

KEY_PREFIX = "custom_field_"


def _key(field: CustomField) -> str:
    return f"{KEY_PREFIX}{field.pk}"


def _alias(field: CustomField) -> str:
    """The field's value table as the export's SQL names it (one join a field)."""
    return f"cfv{int(field.pk)}"


class CustomFieldsCsv:
    def export_columns(self) -> list[ExportColumn]:
        return [
            ExportColumn(
                _key(field),
                field.name,
                guarded_text(f"{_alias(field)}.value"),
                join=(
                    f"LEFT JOIN customfields_customfieldvalue {_alias(field)} "
                    f"ON {_alias(field)}.client_id = c.id "
                    f"AND {_alias(field)}.field_id = {int(field.pk)}"
                ),
            )
            for field in CustomField.objects.all()
        ]

    def importer(self) -> "CustomFieldsImport":
        return CustomFieldsImport(CustomField.objects.in_bulk())


class CustomFieldsImport:
    """One import's side of the custom fields: the definitions read once for all its rows."""

    def __init__(self, fields: dict[int, CustomField]):
        self.fields = fields

    def import_aliases(self) -> dict[str, str]:
        return {normalise_header(field.name): _key(field) for field in self.fields.values()}

    def clean(self, values: dict[str, str], *, new: bool) -> dict[str, str]:
        """The values as stored; a new client needs every required field (as Add New Client)."""
        by_id = {int(key.removeprefix(KEY_PREFIX)): value for key, value in values.items()}
        try:
            cleaned = clean_custom_field_values(by_id, fields=self.fields, require_all=new)
        except ValidationError as error:
            raise ValidationError(
                {
                    f"{KEY_PREFIX}{name.removeprefix(FORM_FIELD_PREFIX)}": messages
                    for name, messages in error.message_dict.items()
                }
            ) from None
        return {f"{KEY_PREFIX}{field_id}": value for field_id, value in cleaned.items()}

    def save_new(self, values_by_client: dict[int, dict[str, str]]) -> None:
        """New clients' values in one statement; their "created" event is their history."""
        CustomFieldValue.objects.bulk_create(
            CustomFieldValue(
                client_id=client_id, field_id=int(key.removeprefix(KEY_PREFIX)), value=value
            )
            for client_id, values in values_by_client.items()
            for key, value in values.items()
            if value
        )

    def save_existing(self, client_id: int, values: dict[str, str], *, actor) -> None:
        if values:
            client_set_custom_field_values(
                client_id=client_id,
                values={int(key.removeprefix(KEY_PREFIX)): v for key, v in values.items()},
                actor=actor,
            )
