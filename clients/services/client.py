"""One client's record: creating and editing it, its status, its welcome email."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from billing_admin.actors import actor_fields
from clients.models import EMAIL_TAKEN, Client, ClientEvent, EmailLog
from emails.services import email_queue

CURRENCY_LOCKED = (
    "The currency cannot be changed once the client has invoices, transactions or credit: "
    "changing it would relabel existing amounts without converting them."
)
STATUS_INVALID = "Choose Active, Inactive or Closed."
EMAIL_UNIQUE_CONSTRAINT = "client_email_ci_unique"
WELCOME_TEMPLATE = "welcome"

CLIENT_PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone_number",
    "address1",
    "address2",
    "city",
    "state",
    "postcode",
    "country",
    "currency",
    "language",
    "group",
    "marketing_opt_in",
    "tax_exempt",
    "override_auto_close",
    "notes",
)


def email_in_use(email: str, *, exclude_pk: int | None = None) -> bool:
    clients = Client.objects.filter(email__iexact=email.strip())
    if exclude_pk is not None:
        clients = clients.exclude(pk=exclude_pk)
    return clients.exists()


def _save_client(client: Client, **save_kwargs) -> None:
    """Save, turning a lost race on the unique email into the same field error as the check."""
    try:
        with transaction.atomic():  # a savepoint, so the outer transaction stays usable
            client.save(**save_kwargs)
    except IntegrityError as exc:
        if EMAIL_UNIQUE_CONSTRAINT in str(exc):
            raise ValidationError({"email": EMAIL_TAKEN}) from exc
        raise


def _validate(client: Client) -> None:
    """Field validation, then the unique email as a field error (the database backs it)."""
    client.email = (client.email or "").strip()
    client.full_clean(validate_constraints=False)
    if email_in_use(client.email, exclude_pk=client.pk):
        raise ValidationError({"email": EMAIL_TAKEN})


@transaction.atomic
def client_create(
    *,
    actor,
    send_welcome_email: bool = False,
    on_welcome_email: Callable[[EmailLog], None] | None = None,
    **fields,
) -> Client:
    """Create a client (status Active) and record who created it.

    ``fields`` are the profile fields of ``CLIENT_PROFILE_FIELDS``; anything else is refused, so
    a caller can never set the balance or status through this door. With ``send_welcome_email``
    the welcome email is queued with the client, and sent by a worker once the client is
    committed; a failed send is logged on the client and never undoes it. ``on_welcome_email``
    receives the email's log row after the commit (the admin reports it to staff).
    """
    unknown = set(fields) - set(CLIENT_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"client_create() got unexpected fields: {', '.join(sorted(unknown))}")
    client = Client(**fields)
    _validate(client)
    _save_client(client)
    ClientEvent.objects.create(client=client, kind=ClientEvent.Kind.CREATED, **actor_fields(actor))
    if send_welcome_email:
        email = client_send_welcome_email(client_id=client.pk, actor=actor)
        if on_welcome_email is not None:
            # After the commit (and after the email's own task was handed over), so the caller
            # reports the message as it then stands: queued, or already sent in-process.
            transaction.on_commit(lambda: on_welcome_email(email))
    return client


def client_has_money_history(client: Client) -> bool:
    """Whether amounts exist in the client's currency (so the currency must stay as it is)."""
    return (
        client.credit_balance != 0
        or client.invoices.exists()
        or client.credit_entries.exists()
        or client.transactions.exists()
    )


def _display_value(client: Client, field: str) -> str:
    if field == "group":
        return str(client.group) if client.group_id else ""
    return str(getattr(client, field))


@transaction.atomic
def client_update(*, client_id: int, actor, **fields) -> Client:
    """Change profile fields, recording each change (field, old, new) in the client's history.

    Only ``CLIENT_PROFILE_FIELDS`` are accepted: status has ``client_set_status`` and the balance
    belongs to the credit services. The currency is locked once money exists in it.
    """
    unknown = set(fields) - set(CLIENT_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"client_update() got unexpected fields: {', '.join(sorted(unknown))}")
    client = (
        Client.objects.select_for_update(of=("self",)).select_related("group").get(pk=client_id)
    )
    old_values = {field: _display_value(client, field) for field in fields}
    old_currency = client.currency
    for field, value in fields.items():
        setattr(client, field, value)
    _validate(client)
    changed = [field for field in fields if _display_value(client, field) != old_values[field]]
    if not changed:
        return client
    if client.currency != old_currency and client_has_money_history(client):
        raise ValidationError({"currency": CURRENCY_LOCKED})
    _save_client(client, update_fields=[*changed, "updated_at"])
    ClientEvent.objects.bulk_create(
        ClientEvent(
            client=client,
            kind=ClientEvent.Kind.PROFILE_CHANGED,
            field=field,
            old_value=old_values[field],
            new_value=_display_value(client, field),
            **actor_fields(actor),
        )
        for field in changed
    )
    return client


@transaction.atomic
def client_set_status(*, client_id: int, status: str, actor) -> ClientEvent | None:
    """Set Active, Inactive or Closed, recording who changed it from what to what.

    Returns None when the status is already ``status``. This only sets the flag, as WHMCS's
    Profile drop-down does: closing a client's services and invoices is the invoices layer's
    "close client" operation, which calls this.
    """
    if status not in Client.Status.values:
        raise ValidationError({"status": STATUS_INVALID})
    client = Client.objects.select_for_update().get(pk=client_id)
    old_status = client.status
    if status == old_status:
        return None
    client.status = status
    client.save(update_fields=["status", "updated_at"])
    return ClientEvent.objects.create(
        client=client,
        kind=ClientEvent.Kind.STATUS_CHANGED,
        field="status",
        old_value=old_status,
        new_value=status,
        **actor_fields(actor),
    )


def client_send_welcome_email(*, client_id: int, actor) -> EmailLog:
    """Queue the welcome email; a worker sends it once the caller's transaction commits."""
    return email_queue(
        client_id=client_id,
        kind=WELCOME_TEMPLATE,
        template=WELCOME_TEMPLATE,
        subject=f"Welcome to {settings.COMPANY_NAME}",
        actor=actor,
    )
