"""Every write to clients: the admin, the API and the commands call these.

One module a concern: ``client`` (one client's record, status and welcome email), ``bulk``
(status changes over many clients, set-based), ``credit_policy`` (credit policies in bulk) and
``deletion`` (deleting clients, keeping their transactions). Import from ``clients.services``:
every public name is re-exported here.
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
    client_create,
    client_has_money_history,
    client_send_welcome_email,
    client_set_status,
    client_update,
    email_in_use,
)
from clients.services.credit_policy import (
    CREDIT_POLICY_INVALID,
    BulkCreditPolicyResult,
    clients_bulk_set_credit_policy,
    parse_credit_policy,
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

__all__ = [
    "BATCH_SIZE_INVALID",
    "CLIENT_PROFILE_FIELDS",
    "CREDIT_POLICY_INVALID",
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
    "BulkCreditPolicyResult",
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
    "clients_bulk_set_credit_policy",
    "clients_bulk_set_status",
    "clients_delete",
    "deletion_plan",
    "email_in_use",
    "parse_credit_policy",
]
