"""Every write to clients: the admin, the API and the commands call these.

One module a concern: ``client`` (one client's record, status and welcome email), ``bulk``
(status changes over many clients, set-based), ``deletion`` (deleting clients, keeping their
transactions) and ``imports`` (clients from CSV). Import from ``clients.services``: every public
name is re-exported here.
"""

from clients.models import EMAIL_TAKEN
from clients.services.bulk import (
    BATCH_SIZE_INVALID,
    DEFAULT_BATCH_SIZE,
    SET_STATUS_SQL,
    AutoStatusRun,
    BulkStatusResult,
    auto_status_inactive_since,
    clients_auto_update_status,
    clients_bulk_set_status,
)
from clients.services.client import (
    CLIENT_PROFILE_FIELDS,
    CURRENCY_LOCKED,
    EMAIL_UNIQUE_CONSTRAINT,
    STATUS_INVALID,
    WELCOME_TEMPLATE,
    client_build,
    client_create,
    client_has_money_history,
    client_send_welcome_email,
    client_set_status,
    client_update,
    clients_insert,
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
from clients.services.imports import (
    ImportProblem,
    ImportResult,
    clients_import,
    decode_upload,
    decode_upload_size_message,
    rejects_csv,
)

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
    "ImportProblem",
    "ImportResult",
    "client_build",
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
    "clients_import",
    "clients_insert",
    "decode_upload",
    "decode_upload_size_message",
    "rejects_csv",
    "deletion_plan",
    "email_in_use",
]
