"""Every write to clients goes through here: the admin, the API and the commands call these."""

from django.core.exceptions import ValidationError
from django.db import transaction

from billing_admin.actors import actor_fields
from clients.models import Client, ClientEvent

EMAIL_TAKEN = "A client with this email address already exists."

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


@transaction.atomic
def client_create(*, actor, **fields) -> Client:
    """Create a client (status Active) and record who created it.

    ``fields`` are the profile fields of ``CLIENT_PROFILE_FIELDS``; anything else is refused, so
    a caller can never set the balance or status through this door.
    """
    unknown = set(fields) - set(CLIENT_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"client_create() got unexpected fields: {', '.join(sorted(unknown))}")
    client = Client(**fields)
    client.email = client.email.strip()
    client.full_clean()
    if email_in_use(client.email):
        raise ValidationError({"email": EMAIL_TAKEN})
    client.save()
    ClientEvent.objects.create(client=client, kind=ClientEvent.Kind.CREATED, **actor_fields(actor))
    return client
