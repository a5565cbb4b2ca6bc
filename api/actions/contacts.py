"""Contact and note actions: AddContact, UpdateContact, DeleteContact, GetContacts,
AddClientNote. Parameters and answers as WHMCS documents them; the writes are the same contact
and note services the admin calls."""

from django.core.exceptions import ValidationError

from api import selectors
from api.actions.person import PERSON_PARAMS, person_fields
from api.protocol import ApiError, Params, datetime_text, error_message, page, paged
from clients import services as client_services
from clients.models import CONTACT_EMAIL_TAKEN, Client, Contact

CLIENT_ID_NOT_FOUND = "Client ID Not Found"
CONTACT_ID_NOT_FOUND = "Contact ID Not Found"
# WHMCS's own wording for these two (its lower-case "not found" included).
NOTE_CLIENT_NOT_FOUND = "Client ID not found"
NOTES_EMPTY = "Notes can not be empty"
CONTACT_ERRORS = {
    CONTACT_EMAIL_TAKEN: "Duplicate Email Address",
    "email": "The email address entered is not valid",
    "country": "Valid country required",
}

# Email kinds a contact may receive: WHMCS's email_preferences[kind] (and its older flat
# ``<kind>emails`` parameter) -> Contact field. WHMCS has no statement emails: that kind is ours.
# Product, domain, support and affiliate emails do not exist here; those flags are ignored.
EMAIL_PREFERENCES = {
    "general": "general_emails",
    "invoice": "invoice_emails",
    "statement": "statement_emails",
}


def _contact_fields(params: Params) -> dict:
    """The contact fields the call sets: only parameters actually sent are changed."""
    fields = person_fields(params)
    for kind, field in EMAIL_PREFERENCES.items():
        for param in (f"email_preferences[{kind}]", f"{kind}emails"):
            if param in params:
                fields[field] = params.boolean(param)
    if "billingcontact" in params:
        fields["is_billing_contact"] = params.boolean("billingcontact")
    return fields


def _contact_answer(contact: Contact) -> dict:
    return {
        "id": contact.pk,
        "userid": contact.client_id,
        "firstname": contact.first_name,
        "lastname": contact.last_name,
        "companyname": contact.company_name,
        "email": contact.email,
        "address1": contact.address1,
        "address2": contact.address2,
        "city": contact.city,
        "state": contact.state,
        "postcode": contact.postcode,
        "country": contact.country,
        "phonenumber": contact.phone_number,
        "generalemails": contact.general_emails,
        "invoiceemails": contact.invoice_emails,
        "statementemails": contact.statement_emails,
        "billingcontact": contact.is_billing_contact,
        "created_at": datetime_text(contact.created_at),
        "updated_at": datetime_text(contact.updated_at),
    }


def contacts_answer(contacts) -> list[dict]:
    """Contacts as WHMCS lists them (GetContacts; GetClientsDetails reuses it)."""
    return [_contact_answer(contact) for contact in contacts]


def add_contact(params: Params, *, actor) -> dict:
    client_id = params.record_id("clientid", not_found=CLIENT_ID_NOT_FOUND)
    try:
        contact = client_services.contact_create(
            client_id=client_id, actor=actor, **_contact_fields(params)
        )
    except Client.DoesNotExist:
        raise ApiError(CLIENT_ID_NOT_FOUND) from None
    except ValidationError as exc:
        raise ApiError(error_message(exc, CONTACT_ERRORS)) from None
    return {"contactid": contact.pk}


def update_contact(params: Params, *, actor) -> dict:
    contact_id = params.record_id("contactid", not_found=CONTACT_ID_NOT_FOUND)
    try:
        client_services.contact_update(
            contact_id=contact_id, actor=actor, **_contact_fields(params)
        )
    except Contact.DoesNotExist:
        raise ApiError(CONTACT_ID_NOT_FOUND) from None
    except ValidationError as exc:
        raise ApiError(error_message(exc, CONTACT_ERRORS)) from None
    return {"contactid": contact_id}


def delete_contact(params: Params, *, actor) -> dict:
    contact_id = params.record_id("contactid", not_found=CONTACT_ID_NOT_FOUND)
    try:
        client_services.contact_delete(contact_id=contact_id, actor=actor)
    except Contact.DoesNotExist:
        raise ApiError(CONTACT_ID_NOT_FOUND) from None
    return {"contactid": contact_id}


def get_contacts(params: Params, *, actor) -> dict:
    """Contacts matching every filter sent (exact, ignoring case; see selectors.contact_list)."""
    contacts = selectors.contact_list(
        client_id=params.optional_id("userid", not_found=CLIENT_ID_NOT_FOUND),
        exact={
            field: params.text(param) for param, field in PERSON_PARAMS.items() if params.has(param)
        },
    )
    start, limit = page(params)
    found, total = selectors.page_of(contacts, start=start, limit=limit)
    return paged("contacts", "contact", contacts_answer(found), total=total, start=start)


def add_client_note(params: Params, *, actor) -> dict:
    client_id = params.record_id("userid", not_found=NOTE_CLIENT_NOT_FOUND)
    if not params.has("notes"):
        raise ApiError(NOTES_EMPTY)
    try:
        note = client_services.client_note_add(
            client_id=client_id,
            actor=actor,
            text=params.text("notes"),
            sticky=params.boolean("sticky"),
        )
    except Client.DoesNotExist:
        raise ApiError(NOTE_CLIENT_NOT_FOUND) from None
    except ValidationError as exc:
        raise ApiError(error_message(exc, {client_services.NOTE_EMPTY: NOTES_EMPTY})) from None
    return {"noteid": note.pk}
