"""Every write to clients: the admin, the API and the commands call these.

One module a concern: ``client`` (one client's record, status and welcome email), ``status``
(the status rules both status paths share), ``bulk`` (status changes over many clients,
set-based) with its SQL in ``bulk_sql``, ``deletion`` (deleting clients, keeping their
transactions), ``imports`` (clients from CSV), ``contacts`` (a client's contacts), ``notes``
(the notes log) and ``credit_policy`` (credit policies in bulk); ``shared`` holds what several
of them use. Import from ``clients.services``: every public name is re-exported here.
"""

from clients.models import EMAIL_TAKEN
from clients.services.bulk import (
    BATCH_SIZE_INVALID,
    DEFAULT_BATCH_SIZE,
    AutoStatusRun,
    BulkRunResult,
    BulkStatusResult,
    auto_status_inactive_since,
    clients_auto_update_status,
    clients_bulk_set_status,
)
from clients.services.client import (
    CLIENT_PROFILE_FIELDS,
    CURRENCY_LOCKED,
    EMAIL_UNIQUE_CONSTRAINT,
    WELCOME_TEMPLATE,
    client_build,
    client_create,
    client_edit,
    client_has_money_history,
    client_send_welcome_email,
    client_set_status,
    client_update,
    clients_insert,
    email_in_use,
)
from clients.services.contacts import (
    CONTACT_FIELDS,
    contact_create,
    contact_delete,
    contact_email_in_use,
    contact_update,
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
from clients.services.imports import (
    ImportProblem,
    ImportResult,
    client_imports_expire,
    clients_import,
    decode_upload,
    decode_upload_size_message,
    rejects_csv,
)
from clients.services.notes import (
    NOTE_EMPTY,
    NOTE_NOT_YOURS,
    client_note_add,
    client_note_delete,
    client_note_update,
    note_editable_by,
)
from clients.services.status import STATUS_INVALID, status_event_fields, validate_status

__all__ = [
    "BATCH_SIZE_INVALID",
    "CLIENT_PROFILE_FIELDS",
    "CREDIT_POLICY_INVALID",
    "CONTACT_FIELDS",
    "CURRENCY_LOCKED",
    "DEFAULT_BATCH_SIZE",
    "EMAIL_TAKEN",
    "EMAIL_UNIQUE_CONSTRAINT",
    "KEPT_MODEL_LABELS",
    "MSG_CLIENT_NOT_FOUND",
    "MSG_NO_CLIENTS",
    "MSG_PROTECTED",
    "NOTE_EMPTY",
    "NOTE_NOT_YOURS",
    "STATUS_INVALID",
    "WELCOME_TEMPLATE",
    "Action",
    "AutoStatusRun",
    "BulkCreditPolicyResult",
    "BulkRunResult",
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
    "client_edit",
    "client_has_money_history",
    "client_note_add",
    "client_note_delete",
    "client_note_update",
    "client_send_welcome_email",
    "client_set_status",
    "client_update",
    "clients_auto_update_status",
    "clients_bulk_set_credit_policy",
    "clients_bulk_set_status",
    "clients_delete",
    "client_imports_expire",
    "clients_import",
    "clients_insert",
    "decode_upload",
    "decode_upload_size_message",
    "rejects_csv",
    "contact_create",
    "contact_delete",
    "contact_email_in_use",
    "contact_update",
    "deletion_plan",
    "email_in_use",
    "parse_credit_policy",
    "note_editable_by",
    "status_event_fields",
    "validate_status",
]
