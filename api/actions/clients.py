"""Client actions: AddClient, UpdateClient, GetClients, GetClientsDetails, CloseClient,
DeleteClient."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from api import selectors
from api.actions.contacts import contacts_answer
from api.actions.custom_fields import (
    custom_field_error,
    custom_field_values,
    custom_fields_details,
)
from api.actions.lookups import (
    CLIENT_ID_NOT_FOUND,
    client_id_param,
    currency_code,
    currency_id,
    language_code,
    language_name,
)
from api.actions.person import person_fields
from api.auth import action_not_allowed, require_owner_permissions
from api.protocol import (
    ApiError,
    Params,
    date_text,
    error_message,
    local_date_text,
    money,
    page,
    paged,
    wrapped,
)
from billing_admin.iso_codes import COUNTRY_NAMES
from billing_admin.parsing import bound_search
from clients import services as client_services
from clients.field_permissions import FIELD_PERMISSIONS
from clients.models import Client
from clients.selectors import client_contact_list
from customfields.services import client_create_with_custom_fields, client_edit_with_custom_fields
from invoices.services import client_close
from transactions.services import client_delete

CLIENT_NOT_FOUND = "Client Not Found"
CLIENT_ID_OR_EMAIL_REQUIRED = "Either clientid Or email Is Required"
GROUP_NOT_FOUND = "Client Group ID Not Found"
CURRENCY_NOT_FOUND = "Currency ID Not Found"
INVALID_STATUS = "Invalid status {status}"
DELETE_FAILED = "Client Delete Failed: {reason}"
CLOSE_FAILED = "An unexpected error occurred: {reason}"
INVALID_OWNER = "Invalid Owner User ID"

FLAG_PARAMS = {
    "marketingoptin": "marketing_opt_in",
    "taxexempt": "tax_exempt",
    "overrideautoclose": "override_auto_close",
}
# AddClient's required fields, in WHMCS's order, with its messages (the double space is WHMCS's).
REQUIRED_ON_ADD = {
    "firstname": "You did not enter your first name",
    "lastname": "You did not enter your last name",
    "email": "You did not enter your email address",
    "address1": "You did not enter your  address line 1",
    "city": "You did not enter your city",
    "state": "You did not enter your state",
    "postcode": "You did not enter your postcode",
    "country": "Valid country required",
    "phonenumber": "You did not enter your phone number",
}
PROFILE_ERRORS = {
    "country": "Valid country required",
    "phone_number": "Invalid telephone phone number",
    client_services.CURRENCY_LOCKED: client_services.CURRENCY_LOCKED,
}
ADD_ERRORS = {
    client_services.EMAIL_TAKEN: "A user already exists with that email address",
    "email": "The email address you entered was not valid",
    **PROFILE_ERRORS,
}
UPDATE_ERRORS = {
    client_services.EMAIL_TAKEN: "Duplicate Email Address",
    "email": "The email address entered is not valid",
    **PROFILE_ERRORS,
}
ORDER_BY = {
    "id": "id",
    "firstname": "first_name",
    "lastname": "last_name",
    "companyname": "company_name",
    "email": "email",
    "groupid": "group_id",
    "datecreated": "created_at",
    "status": "status",
}


def _profile_fields(params: Params) -> dict:
    """The profile fields the call sets: only parameters actually sent are changed."""
    fields = person_fields(params)
    fields.update(
        {field: params.boolean(param) for param, field in FLAG_PARAMS.items() if param in params}
    )
    if params.has("currency"):
        code = currency_code(params.text("currency"))
        if code is None:
            raise ApiError(CURRENCY_NOT_FOUND)
        fields["currency"] = code
    if "groupid" in params:
        group_id = params.text("groupid")
        if group_id in ("", "0"):
            fields["group"] = None
        else:
            group_id = params.record_id("groupid", not_found=GROUP_NOT_FOUND)
            fields["group"] = selectors.client_group_or_none(group_id)
            if fields["group"] is None:
                raise ApiError(GROUP_NOT_FOUND)
    if params.has("language"):
        fields["language"] = language_code(params.text("language"))
    if params.has("creditpolicy"):
        # No WHMCS field exists (its auto-apply setting is global): an extra field, documented.
        try:
            fields["credit_policy"] = client_services.parse_credit_policy(
                params.text("creditpolicy")
            )
        except ValidationError as exc:
            raise ApiError(exc.messages[0]) from None
    return fields


def add_client(params: Params, *, actor) -> dict:
    if params.has("owner_user_id"):
        # There are no separate login users to attach a client to (see owner_id below).
        raise ApiError(INVALID_OWNER)
    for param, message in REQUIRED_ON_ADD.items():
        if not params.has(param):
            raise ApiError(message)
    custom_values = custom_field_values(params) or {}
    try:
        client = client_create_with_custom_fields(
            actor=actor,
            custom_field_values=custom_values,
            send_welcome_email=not params.boolean("noemail"),
            notes=params.text("notes"),
            **_profile_fields(params),
        )
    except ValidationError as exc:
        raise ApiError(custom_field_error(exc) or error_message(exc, ADD_ERRORS)) from None
    # Clients here are their own login identity: the owner is the client itself.
    return {"clientid": client.pk, "owner_id": client.pk}


def _client_id_from(params: Params, *, id_param: str, email_param: str, not_found: str) -> int:
    if params.has(id_param):
        client_id = client_id_param(params, id_param, not_found=not_found)
        if not selectors.client_exists(client_id):
            raise ApiError(not_found)
        return client_id
    client_id = selectors.client_id_by_email(params.text(email_param))
    if client_id is None:
        raise ApiError(not_found)
    return client_id


def update_client(params: Params, *, actor) -> dict:
    client_id = _client_id_from(
        params, id_param="clientid", email_param="clientemail", not_found=CLIENT_ID_NOT_FOUND
    )
    status = params.text("status")
    fields = _profile_fields(params)
    # The fields the admin's Profile makes read-only without a permission are refused here.
    sent = [*fields, "status"] if status else list(fields)
    require_owner_permissions(
        actor,
        action="UpdateClient",
        permissions=[FIELD_PERMISSIONS[field] for field in sent if field in FIELD_PERMISSIONS],
    )
    if status and status not in Client.Status.values:
        raise ApiError(INVALID_STATUS.format(status=status))
    custom_values = custom_field_values(params)
    try:
        # WHMCS's notes field is one text; here it is a log, and the text sent is a new note.
        client_edit_with_custom_fields(
            client_id=client_id,
            actor=actor,
            custom_field_values=custom_values or {},
            status=status or None,
            notes=params.text("notes"),
            **fields,
        )
    except ValidationError as exc:
        raise ApiError(custom_field_error(exc) or error_message(exc, UPDATE_ERRORS)) from None
    # WHMCS's documented answer gives this id as a string, and strict client libraries check.
    return {"clientid": str(client_id)}


# GetClients' row: the columns it reads, then the answer built from them.
CLIENT_ROW_FIELDS = (
    "pk",
    "first_name",
    "last_name",
    "company_name",
    "email",
    "created_at",
    "group_id",
    "status",
)


def get_clients(params: Params, *, actor) -> dict:
    clients = selectors.client_list(
        status=params.text("status"),
        search=bound_search(params.text("search")),
        order_field=ORDER_BY.get(params.text("orderby").lower(), "id"),
        descending=params.text("sorting").upper() == "DESC",
    )
    start, limit = page(params)
    # Plain tuples of the eight columns shown: a 1,000-row page builds no model instances.
    found, total = selectors.page_of(
        clients.values_list(*CLIENT_ROW_FIELDS), start=start, limit=limit
    )
    rows = [
        {
            "id": pk,
            "firstname": first_name,
            "lastname": last_name,
            "companyname": company_name,
            "email": email,
            "datecreated": local_date_text(created_at),
            "groupid": group_id or 0,
            "status": status,
        }
        for pk, first_name, last_name, company_name, email, created_at, group_id, status in found
    ]
    return paged("clients", "client", rows, total=total, start=start)


def get_clients_details(params: Params, *, actor) -> dict:
    if not params.has("clientid") and not params.has("email"):
        raise ApiError(CLIENT_ID_OR_EMAIL_REQUIRED)
    if params.has("clientid"):
        client_id = params.record_id("clientid", not_found=CLIENT_NOT_FOUND)
        client = selectors.client_details(client_id=client_id)
    else:
        client = selectors.client_details(email=params.text("email"))
    if client is None:
        raise ApiError(CLIENT_NOT_FOUND)
    answer = {"client": _client_details(client, contacts=client_contact_list(client.pk))}
    if params.boolean("stats"):
        answer["stats"] = selectors.client_stats(client)
    return answer


def _client_details(client: Client, *, contacts: list) -> dict:
    billing_contact = next((contact for contact in contacts if contact.is_billing_contact), None)
    return {
        "id": client.pk,
        "client_id": client.pk,
        "userid": client.pk,
        "owner_user_id": client.pk,
        "firstname": client.first_name,
        "lastname": client.last_name,
        "fullname": client.full_name,
        "companyname": client.company_name,
        "email": client.email,
        "address1": client.address1,
        "address2": client.address2,
        "city": client.city,
        "state": client.state,
        "fullstate": client.state,
        "postcode": client.postcode,
        "countrycode": client.country,
        "country": client.country,
        "countryname": COUNTRY_NAMES.get(client.country, client.country),
        "phonenumber": client.phone_number,
        "status": client.status,
        "language": language_name(client.language),
        "currency": currency_id(client.currency),
        "currency_code": client.currency,
        "groupid": client.group_id or 0,
        "credit": money(client.credit_balance),
        "taxexempt": client.tax_exempt,
        "overrideautoclose": client.override_auto_close,
        "creditpolicy": client.credit_policy,
        "marketing_emails_opt_in": client.marketing_opt_in,
        "isOptedInToMarketingEmails": client.marketing_opt_in,
        "notes": client.notes_text,
        # 0 means the client itself, as in WHMCS.
        "billingcid": billing_contact.pk if billing_contact else 0,
        "datecreated": date_text(timezone.localdate(client.created_at)),
        **custom_fields_details(client),
        # The client is its own (and only) login identity; see AddClient's owner_id.
        **wrapped(
            "users",
            "user",
            [{"id": client.pk, "name": client.full_name, "email": client.email, "is_owner": True}],
        ),
        # WHMCS lists contacts only through GetContacts; the same rows here save a second call.
        **wrapped("contacts", "contact", contacts_answer(contacts)),
    }


def close_client(params: Params, *, actor) -> dict:
    client_id = params.record_id("clientid", not_found=CLIENT_ID_NOT_FOUND)
    try:
        client_close(client_id=client_id, actor=actor)
    except ValidationError as exc:
        message = error_message(exc, {})
        if message == CLIENT_ID_NOT_FOUND:
            raise ApiError(message) from None
        raise ApiError(CLOSE_FAILED.format(reason=message)) from None
    return {"clientid": client_id}


def delete_client(params: Params, *, actor) -> dict:
    """Transactions outlive the client unless ``deletetransactions`` is set. ``deleteusers`` is
    accepted and has nothing to do: clients here have no separate login users."""
    client_id = params.record_id("clientid", not_found=CLIENT_ID_NOT_FOUND)
    try:
        client_delete(
            client_id=client_id,
            actor=actor,
            delete_transactions=params.boolean("deletetransactions"),
        )
    except PermissionDenied:
        raise action_not_allowed("DeleteClient") from None
    except Client.DoesNotExist:
        raise ApiError(CLIENT_ID_NOT_FOUND) from None
    except ValidationError as exc:
        raise ApiError(DELETE_FAILED.format(reason=error_message(exc, {}))) from None
    return {"clientid": str(client_id)}
