"""One client's record: creating and editing it, its status, its welcome email."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from billing_admin.actors import actor_fields
from billing_admin.bulk_sql import COPY_NULL, copy_rows, copy_text, reserve_ids
from billing_admin.iso_codes import COUNTRY_CODES, CURRENCY_CODES
from clients.models import EMAIL_TAKEN, PERSON_FIELDS, Client, ClientEvent, EmailLog
from clients.selectors import client_ids_by_email
from clients.services.notes import client_note_add
from clients.services.shared import unique_violation_as
from clients.services.status import status_event_fields, validate_status
from emails.services import email_queue

CODE_FIELDS = {"country": COUNTRY_CODES, "currency": CURRENCY_CODES}

CURRENCY_LOCKED = (
    "The currency cannot be changed once the client has invoices, transactions or credit: "
    "changing it would relabel existing amounts without converting them."
)
EMAIL_UNIQUE_CONSTRAINT = "client_email_ci_unique"
WELCOME_TEMPLATE = "welcome"
ANONYMISED_READ_ONLY = (
    "This client was anonymised: its profile holds placeholders and cannot be edited."
)

CLIENT_PROFILE_FIELDS = (
    *PERSON_FIELDS,
    "currency",
    "language",
    "group",
    "marketing_opt_in",
    "tax_exempt",
    "override_auto_close",
    "credit_policy",
)


def email_in_use(email: str, *, exclude_pk: int | None = None) -> bool:
    # lower(email), the unique index's expression: email__iexact compares UPPER() and scanned the
    # whole table (31 ms at 100,000 clients, twice on every Profile save: form and service).
    clients = Client.objects.alias(email_lower=Lower("email")).filter(
        email_lower=email.strip().lower()
    )
    if exclude_pk is not None:
        clients = clients.exclude(pk=exclude_pk)
    return clients.exists()


def _save_client(client: Client, **save_kwargs) -> None:
    with unique_violation_as(EMAIL_UNIQUE_CONSTRAINT, {"email": EMAIL_TAKEN}):
        client.save(**save_kwargs)


def _check_code(client: Client, field_name: str, codes: frozenset[str]) -> ValidationError | None:
    field = Client._meta.get_field(field_name)
    value = getattr(client, field_name)
    if value in field.empty_values:
        return ValidationError(field.error_messages["blank"], code="blank")
    if value not in codes:
        return ValidationError(
            field.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )
    return None


def _check_fields(client: Client, *, exclude: tuple[str, ...] = ()) -> None:
    """Field validation without the unique email, which callers check one way or another.

    Country and currency are checked against their code sets: their hundreds of choices come
    from a callable that full_clean would normalise again for every client (4 ms each, most of
    an import's time), with the same messages.
    """
    client.email = (client.email or "").strip()
    errors: dict[str, list] = {}
    try:
        client.full_clean(exclude=(*exclude, *CODE_FIELDS), validate_constraints=False)
    except ValidationError as error:
        errors = error.error_dict
    for field_name, codes in CODE_FIELDS.items():
        problem = _check_code(client, field_name, codes)
        if problem is not None:
            errors.setdefault(field_name, []).append(problem)
    if errors:
        raise ValidationError(errors)


def _validate(client: Client) -> None:
    """Field validation, then the unique email as a field error (the database backs it)."""
    _check_fields(client)
    if email_in_use(client.email, exclude_pk=client.pk):
        raise ValidationError({"email": EMAIL_TAKEN})


def client_build(*, group_checked: bool = False, **fields) -> Client:
    """A new, unsaved client from profile ``fields``, validated as Add New Client validates it
    except for the unique email (a batch checks all its emails in one query).

    ``group_checked`` skips the per-row query that checks the group exists, for a caller that
    took the group from the database itself.
    """
    unknown = set(fields) - set(CLIENT_PROFILE_FIELDS) - {"status"}
    if unknown:
        raise TypeError(f"client_build() got unexpected fields: {', '.join(sorted(unknown))}")
    client = Client(**fields)
    _check_fields(client, exclude=("group",) if group_checked else ())
    return client


@transaction.atomic
def client_create(
    *,
    actor,
    send_welcome_email: bool = False,
    on_welcome_email: Callable[[EmailLog], None] | None = None,
    notes: str = "",
    **fields,
) -> Client:
    """Create a client (status Active) and record who created it; ``notes``, if given, becomes
    the first entry of its notes log.

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
    if notes.strip():
        client_note_add(client_id=client.pk, actor=actor, text=notes)
    if send_welcome_email:
        _queue_welcome_email(client.pk, actor=actor, on_queued=on_welcome_email)
    return client


def _copy_value(value) -> str:
    if value is None:
        return COPY_NULL
    return copy_text(value) if isinstance(value, str) else str(value)


@transaction.atomic
def clients_insert(*, clients: list[Client], actor, send_welcome_email: bool = False) -> None:
    """Insert clients built by ``client_build``, each with its "created" event, with one COPY
    per table (an import's bulk path; ids come from the table's sequence first).

    The unique email is checked for the whole batch in one query (a race lost to a concurrent
    insert still ends as the same field error, through the constraint); the caller reports which
    rows clash before it gets here.
    """
    if not clients:
        return
    emails = [client.email for client in clients]
    if len({email.lower() for email in emails}) < len(emails) or client_ids_by_email(emails):
        raise ValidationError({"email": EMAIL_TAKEN})
    now = timezone.now()
    for client, client_id in zip(clients, reserve_ids(Client, len(clients)), strict=True):
        client.pk, client.created_at, client.updated_at = client_id, now, now
    client_fields = [f for f in Client._meta.concrete_fields if not f.generated]
    event_fields = [f for f in ClientEvent._meta.concrete_fields if f.name != "id"]
    event = ClientEvent(kind=ClientEvent.Kind.CREATED, created_at=now, **actor_fields(actor))
    with unique_violation_as(EMAIL_UNIQUE_CONSTRAINT, {"email": EMAIL_TAKEN}):
        copy_rows(
            Client,
            [field.column for field in client_fields],
            [tuple(_copy_value(getattr(c, f.attname)) for f in client_fields) for c in clients],
        )
    event_rows = []
    for client in clients:
        event.client_id = client.pk
        event_rows.append(tuple(_copy_value(getattr(event, f.attname)) for f in event_fields))
    copy_rows(ClientEvent, [field.column for field in event_fields], event_rows)
    if send_welcome_email:
        for client in clients:
            _queue_welcome_email(client.pk, actor=actor)


def _queue_welcome_email(
    client_id: int, *, actor, on_queued: Callable[[EmailLog], None] | None = None
) -> None:
    email = client_send_welcome_email(client_id=client_id, actor=actor)
    if on_queued is not None:
        # After the commit (and after the email's task was handed over), so the caller reports
        # the message as it then stands: queued, or already sent by the in-process queue.
        transaction.on_commit(lambda: on_queued(email))


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
    if client.anonymised_at is not None:
        # Personal data written back onto an erased client would outlive its erasure.
        raise ValidationError(ANONYMISED_READ_ONLY, code="anonymised")
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
    validate_status(status)
    client = Client.objects.select_for_update().get(pk=client_id)
    old_status = client.status
    if status == old_status:
        return None
    client.status = status
    client.save(update_fields=["status", "updated_at"])
    return ClientEvent.objects.create(
        client=client, **status_event_fields(old_status=old_status, new_status=status, actor=actor)
    )


@transaction.atomic
def client_edit(
    *, client_id: int, actor, status: str | None = None, notes: str = "", **fields
) -> None:
    """Change profile fields and the status in one go: both happen or neither does.

    The Profile page and the API's UpdateClient edit a client this way; ``fields`` are as for
    ``client_update`` and ``status`` as for ``client_set_status`` (None leaves it as it is).
    ``notes``, if given, is added to the notes log (WHMCS's UpdateClient sets one notes text).
    """
    if status is not None:
        validate_status(status)
    if fields:
        client_update(client_id=client_id, actor=actor, **fields)
    if status is not None:
        client_set_status(client_id=client_id, status=status, actor=actor)
    if notes.strip():
        client_note_add(client_id=client_id, actor=actor, text=notes)


def client_send_welcome_email(*, client_id: int, actor) -> EmailLog:
    """Queue the welcome email; a worker sends it once the caller's transaction commits."""
    return email_queue(
        client_id=client_id,
        kind=WELCOME_TEMPLATE,
        template=WELCOME_TEMPLATE,
        subject=f"Welcome to {settings.COMPANY_NAME}",
        actor=actor,
    )
