"""Forms for custom client fields: they parse and check; the services write."""

from django import forms
from django.utils.html import escape

from customfields.models import TICKED, CustomField, FieldType
from customfields.services import (
    DEFINITION_FIELDS,
    VALUE_MAX_LENGTH,
    clean_custom_field_values,
    custom_field_validate,
    form_field_name,
)

NO_CHOICE = ("", "—")


def _widget(field: CustomField) -> forms.Widget:
    if field.field_type == FieldType.TEXTAREA:
        return forms.Textarea(attrs={"rows": 3})
    if field.field_type == FieldType.NUMBER:
        return forms.NumberInput(attrs={"step": "any"})
    if field.field_type == FieldType.DATE:
        return forms.DateInput(attrs={"type": "date"})
    if field.field_type == FieldType.DROPDOWN:
        return forms.Select(choices=[NO_CHOICE, *((o, o) for o in field.option_list)])
    if field.field_type == FieldType.TICKBOX:
        return forms.CheckboxInput
    if field.field_type == FieldType.LINK:
        return forms.URLInput(attrs={"maxlength": VALUE_MAX_LENGTH})
    return forms.TextInput(attrs={"maxlength": VALUE_MAX_LENGTH})


def form_field(field: CustomField) -> forms.Field:
    """A form field that only collects text: the value is checked by the same service the API
    and imports use, so a rule lives in one place. Required is enforced there too (with WHMCS's
    wording); the label marks it."""
    help_text = " ".join(filter(None, [field.description, "Required." if field.required else ""]))
    return forms.CharField(
        # The admin prints help texts unescaped (they are usually code): this one is typed by staff.
        label=field.name,
        required=False,
        widget=_widget(field),
        help_text=escape(help_text),
        strip=False,
    )


class CustomFieldsFormMixin:
    """For the client's Add and Profile forms built by ``with_custom_fields``."""

    custom_field_definitions: dict[int, CustomField] = {}

    def custom_field_raw_values(self) -> dict[int, object]:
        return {
            field_id: self.cleaned_data.get(form_field_name(field_id))
            for field_id in self.custom_field_definitions
        }

    def clean(self):
        cleaned = super().clean()
        try:
            self.custom_field_values = clean_custom_field_values(
                self.custom_field_raw_values(),
                fields=self.custom_field_definitions,
                require_all=True,
            )
        except forms.ValidationError as exc:
            self.add_error(None, exc)
        return cleaned


def with_custom_fields(
    form_class: type[forms.ModelForm], fields: list[CustomField], *, initial: dict[int, str]
):
    """``form_class`` with one field per definition (named ``form_field_name(id)``), showing
    ``initial`` (field id -> the client's stored value)."""
    attrs = {}
    for field in fields:
        attrs[form_field_name(field.pk)] = form_field(field)
        value = initial.get(field.pk, "")
        # A tick box's widget shows any non-empty text as ticked.
        attrs[form_field_name(field.pk)].initial = (
            value == TICKED if field.field_type == FieldType.TICKBOX else value
        )
    attrs["custom_field_definitions"] = {field.pk: field for field in fields}
    return type(form_class.__name__, (CustomFieldsFormMixin, form_class), attrs)


class CustomFieldForm(forms.ModelForm):
    """A definition. The service's checks run here too, so their errors land on the fields."""

    class Meta:
        model = CustomField
        fields = list(DEFINITION_FIELDS)
        widgets = {"options": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidate = CustomField(
            pk=self.instance.pk, **{name: cleaned.get(name) for name in DEFINITION_FIELDS}
        )
        try:
            custom_field_validate(candidate)
        except forms.ValidationError as exc:
            self.add_error(None, exc)
        return cleaned
