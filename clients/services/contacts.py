"""A client's contacts: adding, editing and removing them, and the one billing contact.

Every change is recorded in the client's history (who, when, from what to what). Each write
locks the client row first, so two staff marking different billing contacts, or adding the same
email twice, queue behind each other instead of racing the unique indexes.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower

from billing_admin.actors import actor_fields
from clients.models import CONTACT_EMAIL_TAKEN, PERSON_FIELDS, Client, ClientEvent, Contact
from clients.services.shared import unique_violation_as

CONTACT_FIELDS = (
    *PERSON_FIELDS,
    "general_emails",
    "invoice_emails",
    "statement_emails",
    "is_billing_contact",
)
CONTACT_EMAIL_CONSTRAINT = "contact_email_per_client_unique"
NUL_NOT_ALLOWED = "Null characters are not allowed."


def _check_fields(function: str, fields: dict) -> None:
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"{function}() got unexpected fields: {', '.join(sorted(unknown))}")


def contact_email_in_use(client_id: int, email: str, *, exclude_pk: int | None = None) -> bool:
    """Whether another contact of the client has this email (any letter case)."""
    contacts = Contact.objects.alias(email_lower=Lower("email")).filter(
        client_id=client_id, email_lower=email.strip().lower()
    )
    if exclude_pk is not None:
        contacts = contacts.exclude(pk=exclude_pk)
    return contacts.exists()


def _validate(contact: Contact) -> None:
    """Field validation, then the per-client unique email as a field error (the database backs
    it). PostgreSQL cannot store NUL characters, so they are refused here, per field."""
    contact.email = (contact.email or "").strip()
    errors = {
        field: NUL_NOT_ALLOWED
        for field in CONTACT_FIELDS
        if isinstance(getattr(contact, field), str) and "\x00" in getattr(contact, field)
    }
    if errors:
        raise ValidationError(errors)
    contact.full_clean(validate_constraints=False)
    if contact_email_in_use(contact.client_id, contact.email, exclude_pk=contact.pk):
        raise ValidationError({"email": CONTACT_EMAIL_TAKEN})


def _save(contact: Contact, **save_kwargs) -> None:
    with unique_violation_as(CONTACT_EMAIL_CONSTRAINT, {"email": CONTACT_EMAIL_TAKEN}):
        contact.save(**save_kwargs)


def _event(contact: Contact, kind: str, actor, *, field="", old="", new="") -> ClientEvent:
    return ClientEvent(
        client_id=contact.client_id,
        kind=kind,
        field=field,
        old_value=old,
        new_value=new,
        **actor_fields(actor),
    )


def _display(contact: Contact, field: str) -> str:
    value = getattr(contact, field)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def _unset_other_billing_contact(contact: Contact, actor) -> None:
    """A client has one billing contact: marking another one moves the mark (as WHMCS does)."""
    previous = (
        Contact.objects.filter(client_id=contact.client_id, is_billing_contact=True)
        .exclude(pk=contact.pk)
        .first()
    )
    if previous is None:
        return
    previous.is_billing_contact = False
    previous.save(update_fields=["is_billing_contact", "updated_at"])
    _event(
        previous,
        ClientEvent.Kind.CONTACT_CHANGED,
        actor,
        field=f"contact #{previous.pk} billing contact",
        old="Yes",
        new="No",
    ).save()


def _lock_client(client_id: int) -> None:
    # Raises Client.DoesNotExist for an unknown id, before anything is written.
    Client.objects.select_for_update().only("pk").get(pk=client_id)


@transaction.atomic
def contact_create(*, client_id: int, actor, **fields) -> Contact:
    """Add a contact to the client; ``fields`` are ``CONTACT_FIELDS``."""
    _check_fields("contact_create", fields)
    _lock_client(client_id)
    contact = Contact(client_id=client_id, **fields)
    _validate(contact)
    if contact.is_billing_contact:
        _unset_other_billing_contact(contact, actor)
    _save(contact)
    _event(contact, ClientEvent.Kind.CONTACT_ADDED, actor, field="contact", new=str(contact)).save()
    return contact


@transaction.atomic
def contact_update(*, contact_id: int, actor, **fields) -> Contact:
    """Change a contact's fields, recording each change in the client's history."""
    _check_fields("contact_update", fields)
    client_id = Contact.objects.values_list("client_id", flat=True).get(pk=contact_id)
    _lock_client(client_id)
    contact = Contact.objects.get(pk=contact_id)
    old_values = {field: _display(contact, field) for field in fields}
    for field, value in fields.items():
        setattr(contact, field, value)
    _validate(contact)
    changed = [field for field in fields if _display(contact, field) != old_values[field]]
    if not changed:
        return contact
    if "is_billing_contact" in changed and contact.is_billing_contact:
        _unset_other_billing_contact(contact, actor)
    _save(contact, update_fields=[*changed, "updated_at"])
    ClientEvent.objects.bulk_create(
        _event(
            contact,
            ClientEvent.Kind.CONTACT_CHANGED,
            actor,
            field=f"contact #{contact.pk} {Contact._meta.get_field(field).verbose_name}"[:50],
            old=old_values[field],
            new=_display(contact, field),
        )
        for field in changed
    )
    return contact


@transaction.atomic
def contact_delete(*, contact_id: int, actor) -> None:
    """Remove a contact; the history keeps who it was."""
    client_id = Contact.objects.values_list("client_id", flat=True).get(pk=contact_id)
    _lock_client(client_id)
    contact = Contact.objects.get(pk=contact_id)
    removed = str(contact)
    _event(contact, ClientEvent.Kind.CONTACT_REMOVED, actor, field="contact", old=removed).save()
    contact.delete()
