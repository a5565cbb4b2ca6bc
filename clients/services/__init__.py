"""Every write to clients: the admin, the API and the commands call these.

One module a concern: ``client`` (one client's record, status and welcome email), ``status``
(the status rules both status paths share), ``bulk`` (status changes over many clients,
set-based) with its SQL in ``bulk_sql``, and ``deletion`` (deleting clients, keeping their
transactions). Import from ``clients.services``: every public name is re-exported here.
"""

from clients.models import EMAIL_TAKEN
from clients.services.bulk import (
    BATCH_SIZE_INVALID,
    DEFAULT_BATCH_SIZE,
    AutoStatusRun,
    BulkStatusResult,
    auto_status_inactive_since,
    clients_auto_update_status,
    clients_bulk_set_status,
)
from clients.services.bulk_sql import SET_STATUS_SQL, set_status_for_batch
from clients.services.client import (
    CLIENT_PROFILE_FIELDS,
    CURRENCY_LOCKED,
    EMAIL_UNIQUE_CONSTRAINT,
    WELCOME_TEMPLATE,
    client_create,
    client_has_money_history,
    client_send_welcome_email,
    client_set_status,
    client_update,
    email_in_use,
)
from clients.services.deletion import (
    KEPT_MODEL_LABELS,
    MSG_CLIENT_NOT_FOUND,
    MSG_NO_CLIENTS,
    MSG_PROTECTED,
    Action,
    DeletionSummary,
    Step,
    client_delete,
    client_deletion_summary,
    clients_delete,
    deletion_plan,
)
from clients.services.status import STATUS_INVALID, status_event_fields, validate_status

__all__ = [
    "BATCH_SIZE_INVALID",
    "CLIENT_PROFILE_FIELDS",
    "CURRENCY_LOCKED",
    "DEFAULT_BATCH_SIZE",
    "EMAIL_TAKEN",
    "EMAIL_UNIQUE_CONSTRAINT",
    "KEPT_MODEL_LABELS",
    "MSG_CLIENT_NOT_FOUND",
    "MSG_NO_CLIENTS",
    "MSG_PROTECTED",
    "SET_STATUS_SQL",
    "STATUS_INVALID",
    "WELCOME_TEMPLATE",
    "Action",
    "AutoStatusRun",
    "BulkStatusResult",
    "DeletionSummary",
    "Step",
    "auto_status_inactive_since",
    "client_create",
    "client_delete",
    "client_deletion_summary",
    "client_has_money_history",
    "client_send_welcome_email",
    "client_set_status",
    "client_update",
    "clients_auto_update_status",
    "clients_bulk_set_status",
    "clients_delete",
    "deletion_plan",
    "email_in_use",
    "set_status_for_batch",
    "status_event_fields",
    "validate_status",
]
