"""Admin for custom client fields: the definitions (Setup > Custom Client Fields in WHMCS), and
``CustomFieldsClientAdminMixin`` for ``ClientAdmin``: the values on Add New Client, the Profile
and the Summary, and the client list's columns, filters and search."""

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from customfields.forms import CustomFieldForm, with_custom_fields
from customfields.models import TICKED, CustomField, CustomFieldValue, FieldType
from customfields.selectors import (
    client_custom_fields,
    client_list_fields,
    column_alias,
    custom_field_search_client_ids,
    custom_field_values_for,
    custom_fields,
    filter_by_custom_field,
    with_custom_field_columns,
)
from customfields.services import (
    DEFINITION_FIELDS,
    client_set_custom_field_values,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    form_field_name,
)

FIELDSET_TITLE = "Custom fields"
MSG_VALUES_REMOVED = "The field %(name)s and its values on %(count)s client(s) were deleted."
NOT_TICKED = "off"
SEARCH_HELP = " Also %(fields)s (start)."
# The definitions a request uses, read once per request (the admin asks several times).
_ALL_ATTR = "_custom_fields_all"
_LIST_ATTR = "_custom_fields_list"


def display_value(field: CustomField, value: str) -> str:
    """A value as staff read it: a tick box as Yes/No, a link as a link."""
    if field.field_type == FieldType.TICKBOX:
        return "Yes" if value == TICKED else "No"
    if field.field_type == FieldType.LINK and value:
        return format_html('<a href="{}" rel="noopener noreferrer">{}</a>', value, value)
    return value


def _column(field: CustomField):
    alias = column_alias(field)

    @admin.display(description=field.name)
    def column(client):
        return display_value(field, getattr(client, alias, None) or "") or "—"

    column.__name__ = alias
    return column


def _list_filter(field: CustomField):
    choices = (
        [(TICKED, "Ticked"), (NOT_TICKED, "Not ticked")]
        if field.field_type == FieldType.TICKBOX
        else [(option, option) for option in field.option_list]
    )

    class CustomFieldListFilter(admin.SimpleListFilter):
        title = field.name
        parameter_name = f"cf{field.pk}"
        # A long option list as one drop-down, like the country filter.
        template = "admin/clients/client/dropdown_filter.html"

        def lookups(self, request, model_admin):
            return choices

        def queryset(self, request, queryset):
            value = self.value()
            if value is None:
                return queryset
            return filter_by_custom_field(queryset, field, "" if value == NOT_TICKED else value)

    return CustomFieldListFilter


class CustomFieldsClientAdminMixin:
    """For ClientAdmin (before ClientAdminBase in its bases)."""

    def custom_field_definitions(self, request) -> list[CustomField]:
        if not hasattr(request, _ALL_ATTR):
            setattr(request, _ALL_ATTR, list(custom_fields()))
        return getattr(request, _ALL_ATTR)

    # ---- the client list --------------------------------------------------------------------

    def get_changelist_instance(self, request):
        # Read here, once, before the list asks for its columns, filters and queryset.
        fields = client_list_fields()
        setattr(request, _LIST_ATTR, fields)
        changelist = super().get_changelist_instance(request)
        searchable = [field.name for field in fields if field.searchable]
        if searchable and changelist.search_help_text:
            changelist.search_help_text += SEARCH_HELP % {"fields": ", ".join(searchable)}
        return changelist

    def _list_fields(self, request) -> list[CustomField]:
        return getattr(request, _LIST_ATTR, [])

    def get_list_display(self, request):
        columns = [_column(field) for field in self._list_fields(request) if field.show_in_list]
        return [*super().get_list_display(request), *columns]

    def get_list_filter(self, request):
        filters = [_list_filter(field) for field in self._list_fields(request) if field.filterable]
        return [*super().get_list_filter(request), *filters]

    def get_queryset(self, request):
        shown = [field for field in self._list_fields(request) if field.show_in_list]
        queryset = super().get_queryset(request)
        return with_custom_field_columns(queryset, shown) if shown else queryset

    def get_search_client_ids(self, request, search_term) -> list:
        matches = custom_field_search_client_ids(search_term, self._list_fields(request))
        extra = [] if matches is None else [matches]
        return [*super().get_search_client_ids(request, search_term), *extra]

    # ---- Add New Client and the Profile -----------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        names = [form_field_name(field.pk) for field in self.custom_field_definitions(request)]
        if names:
            # Before the Add form's last row (the welcome email) and the Profile's record box.
            fieldsets.insert(len(fieldsets) - 1, (FIELDSET_TITLE, {"fields": names}))
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        definitions = self.custom_field_definitions(request)
        # The fieldsets name the custom fields, which the model form must not look for on Client;
        # they are added as form fields below.
        names = {form_field_name(field.pk) for field in definitions}
        fields = kwargs.get("fields")
        if fields is None:
            fields = flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [name for name in fields if name not in names]
        form_class = super().get_form(request, obj, **kwargs)
        values = custom_field_values_for([obj.pk]).get(obj.pk, {}) if obj is not None else {}
        return with_custom_fields(form_class, definitions, initial=values)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Within the add/change view's transaction: a refused value undoes the client's save.
        client_set_custom_field_values(
            client_id=obj.pk,
            values=form.custom_field_values,
            actor=request.user,
            new_client=not change,
        )

    # ---- the Summary ------------------------------------------------------------------------

    def get_summary_context(self, request, client):
        fields = client_custom_fields(client)
        return {
            **super().get_summary_context(request, client),
            "custom_fields": [(field, display_value(field, field.value)) for field in fields],
        }


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    form = CustomFieldForm
    list_display = [
        "name",
        "field_type",
        "required",
        "admin_only",
        "show_in_list",
        "filterable",
        "searchable",
        "personal",
        "sort_order",
    ]
    list_display_links = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "field_type", "description", "options", "sort_order"]}),
        (
            "Rules and display",
            {
                "fields": [
                    "required",
                    "admin_only",
                    "personal",
                    "show_in_list",
                    "filterable",
                    "searchable",
                ]
            },
        ),
    ]

    def get_actions(self, request):
        # The stock bulk delete would bypass the confirmation about values.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in DEFINITION_FIELDS}
        if change:
            custom_field_update(field_id=obj.pk, actor=request.user, **data)
        else:
            obj.pk = custom_field_create(actor=request.user, **data).pk

    def get_deleted_objects(self, objs, request):
        """The confirmation page names how many clients' values go with the field, instead of
        listing (or refusing over) every value; confirming it is what allows the deletion."""
        deleted, model_count, perms_needed, protected = super().get_deleted_objects([], request)
        for field in objs:
            count = CustomFieldValue.objects.filter(field=field).count()
            deleted.append(str(field))
            if count:
                deleted.append([f"Its values on {count} client(s)"])
            model_count = {
                CustomField._meta.verbose_name_plural: len(objs),
                CustomFieldValue._meta.verbose_name_plural: count,
            }
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        try:
            removed = custom_field_delete(field_id=obj.pk, actor=request.user, delete_values=True)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return
        if removed:
            messages.info(request, MSG_VALUES_REMOVED % {"name": obj.name, "count": removed})
