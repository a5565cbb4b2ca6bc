"""A new client together with its custom field values: one service, so the API and imports do not
assemble the sequence themselves."""

from collections.abc import Mapping

from django.db import transaction

from clients.models import Client
from clients.services import client_create
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
