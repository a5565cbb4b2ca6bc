"""Recording a client data export (who, when, the stated reason). The export's content is a
read: ``privacy.export``."""

from django.core.exceptions import ValidationError
from django.db import transaction

from billing_admin.actors import actor_fields
from clients.models import Client, ClientDataExport

# The layout of the export file (docs/data-export.md); bump it when the layout changes.
EXPORT_VERSION = 1
MSG_REASON_REQUIRED = "State why the data is exported (e.g. the client's access request)."
MSG_CLIENT_NOT_FOUND = "Client #{client_id} does not exist."
MSG_REASON_NUL = "Remove the NUL characters from the reason: they cannot be stored."


@transaction.atomic
def client_export_record(*, client_id: int, actor, reason: str) -> ClientDataExport:
    """Record that the client's data is being exported, before the file is produced."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": MSG_REASON_REQUIRED}, code="required")
    if "\x00" in reason:
        raise ValidationError({"reason": MSG_REASON_NUL}, code="null_characters_not_allowed")
    if not Client.objects.filter(pk=client_id).exists():
        raise ValidationError(MSG_CLIENT_NOT_FOUND.format(client_id=client_id), code="not_found")
    record = ClientDataExport(
        client_id=client_id, reason=reason, format_version=EXPORT_VERSION, **actor_fields(actor)
    )
    record.full_clean(exclude=["client", "actor_user"])
    record.save()
    return record
