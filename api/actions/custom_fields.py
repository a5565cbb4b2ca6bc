"""WHMCS's ``customfields`` on AddClient/UpdateClient and in GetClientsDetails.

The parameter is base64 of a PHP-serialised array keyed by custom field id (``a:1:{i:3;s:6:
"Google";}``); GetClientsDetails answers with ``customfields`` as ``[{"id", "value"}]`` in display
order and, as WHMCS also does, ``customfields1``, ``customfields2``, ... in that same order.
"""

from django.core.exceptions import ValidationError

from api.phpserialize import decode_base64_php_array
from api.protocol import ApiError, Params
from billing_admin.parsing import parse_positive_int
from clients.models import Client
from customfields.selectors import client_custom_fields, first_custom_field
from customfields.services import FORM_FIELD_PREFIX, MSG_REQUIRED, MSG_UNKNOWN_FIELD

PARAM = "customfields"
MALFORMED = (
    "Invalid customfields: send base64 of a PHP-serialised array keyed by custom field id, "
    'e.g. base64 of a:1:{{i:1;s:6:"Google";}} ({reason})'
)
FIELD_ERROR = "Custom field {name} (ID {field_id}): {message}"


def custom_field_values(params: Params) -> dict[int, object] | None:
    """The values the call sends (field id -> raw value), or None when it sends no
    ``customfields`` (an empty one sets nothing either)."""
    if PARAM not in params:
        return None
    text = params.text(PARAM)
    if not text:
        return {}
    try:
        items = decode_base64_php_array(text)
    except ValueError as exc:
        raise ApiError(MALFORMED.format(reason=exc)) from None
    values = {}
    for key, value in items.items():
        # PHP writes numeric keys as integers; some encoders send them as strings.
        field_id = parse_positive_int(str(key))
        if field_id is None:
            raise ApiError(MSG_UNKNOWN_FIELD.format(field_id=key))
        values[field_id] = str(int(value)) if isinstance(value, bool) else value
    return values


def custom_field_error(exc: ValidationError) -> str | None:
    """The first custom-field problem in ``exc`` as one message naming the field, or None when
    the error is about something else. A missing required value keeps WHMCS's own wording."""
    if not hasattr(exc, "error_dict"):
        return None
    errors = exc.message_dict
    if PARAM in errors:
        return errors[PARAM][0]
    by_id = {
        int(key.removeprefix(FORM_FIELD_PREFIX)): messages[0]
        for key, messages in errors.items()
        if key.startswith(FORM_FIELD_PREFIX)
    }
    if not by_id:
        return None
    field = first_custom_field(by_id)
    message = by_id[field.pk]
    if message == MSG_REQUIRED.format(name=field.name):
        return message
    return FIELD_ERROR.format(name=field.name, field_id=field.pk, message=message)


def custom_fields_details(client: Client) -> dict:
    fields = client_custom_fields(client)
    return {
        PARAM: [{"id": field.pk, "value": field.value} for field in fields],
        **{f"{PARAM}{number}": field.value for number, field in enumerate(fields, start=1)},
    }
