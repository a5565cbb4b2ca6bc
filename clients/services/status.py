"""The status rules both status paths share: one client (``client_set_status``) and many
(``clients_bulk_set_status``, set-based SQL). Which values are valid, and what the history row of
a change holds, are decided here once."""

from django.core.exceptions import ValidationError

from billing_admin.actors import actor_fields
from clients.models import Client, ClientEvent

STATUS_INVALID = "Choose Active, Inactive or Closed."


def validate_status(status: str) -> None:
    if status not in Client.Status.values:
        raise ValidationError({"status": STATUS_INVALID})


def status_event_fields(*, old_status: str | None, new_status: str, actor) -> dict:
    """The ClientEvent fields of a status change (all but the client), ready for
    ``ClientEvent(**...)``. The bulk path passes ``old_status=None`` and takes each row's old
    status from its own UPDATE."""
    return {
        "kind": ClientEvent.Kind.STATUS_CHANGED,
        "field": "status",
        "old_value": old_status,
        "new_value": new_status,
        **actor_fields(actor),
    }
