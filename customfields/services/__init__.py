"""Every write to custom client fields: the admin, the API and imports call these.

One module a concern: ``definitions`` (the fields staff define), ``values`` (a client's values:
checked by type, written with their history) and ``client`` (a client written with its values).
Import from ``customfields.services``: every public name is re-exported here.
"""

from customfields.services.client import (
    client_create_with_custom_fields,
    client_edit_with_custom_fields,
)
from customfields.services.definitions import (
    DEFINITION_FIELDS,
    MSG_FILTER_TYPE,
    MSG_HAS_VALUES,
    MSG_OPTIONS_IN_USE,
    MSG_OPTIONS_REQUIRED,
    MSG_SEARCH_TYPE,
    MSG_TYPE_LOCKED,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    custom_field_validate,
)
from customfields.services.values import (
    FORM_FIELD_PREFIX,
    MSG_DATE,
    MSG_LINK,
    MSG_NUL,
    MSG_NUMBER,
    MSG_OPTION,
    MSG_REQUIRED,
    MSG_TICKBOX,
    MSG_TOO_LONG,
    MSG_UNKNOWN_FIELD,
    TEXTAREA_MAX_LENGTH,
    VALUE_MAX_LENGTH,
    clean_custom_field_value,
    clean_custom_field_values,
    client_set_custom_field_values,
    form_field_name,
)

__all__ = [
    "FORM_FIELD_PREFIX",
    "DEFINITION_FIELDS",
    "MSG_DATE",
    "MSG_FILTER_TYPE",
    "MSG_HAS_VALUES",
    "MSG_LINK",
    "MSG_NUL",
    "MSG_NUMBER",
    "MSG_OPTION",
    "MSG_OPTIONS_IN_USE",
    "MSG_OPTIONS_REQUIRED",
    "MSG_REQUIRED",
    "MSG_SEARCH_TYPE",
    "MSG_TICKBOX",
    "MSG_TOO_LONG",
    "MSG_TYPE_LOCKED",
    "MSG_UNKNOWN_FIELD",
    "TEXTAREA_MAX_LENGTH",
    "VALUE_MAX_LENGTH",
    "clean_custom_field_value",
    "clean_custom_field_values",
    "client_create_with_custom_fields",
    "client_edit_with_custom_fields",
    "client_set_custom_field_values",
    "custom_field_create",
    "custom_field_delete",
    "custom_field_update",
    "custom_field_validate",
    "form_field_name",
]
