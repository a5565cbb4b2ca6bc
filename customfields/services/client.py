"""A client written together with its custom field values: one service each for a new client and
an edit, so the API and imports do not assemble the sequence themselves."""

from collections.abc import Mapping

from django.db import transaction

from clients.models import Client
from clients.services import client_create, client_edit
from customfields.services.values import clean_custom_field_values, client_set_custom_field_values


@transaction.atomic
def client_create_with_custom_fields(
    *, actor, custom_field_values: Mapping[int, object], **client_fields
) -> Client:
    """``client_create`` plus the values, all or nothing. The values are checked first, so a bad
    one creates no client; every required field must be given."""
    clean_custom_field_values(custom_field_values, require_all=True)
    client = client_create(actor=actor, **client_fields)
    client_set_custom_field_values(
        client_id=client.pk, values=custom_field_values, actor=actor, new_client=True
    )
    return client


@transaction.atomic
def client_edit_with_custom_fields(
    *, client_id: int, actor, custom_field_values: Mapping[int, object], **edit
) -> None:
    """``client_edit`` (profile, status, a new note) plus the values sent, all or nothing; only
    the values given change (UpdateClient)."""
    client_edit(client_id=client_id, actor=actor, **edit)
    if custom_field_values:
        client_set_custom_field_values(client_id=client_id, values=custom_field_values, actor=actor)
