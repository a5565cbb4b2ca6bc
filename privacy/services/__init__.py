"""Every write of data protection: ``anonymise`` (one client, or a locked batch), ``erasure``
(the set-based erasing the registry drives), ``retention`` (the retention run) and ``export``
(recording a data export). Import from ``privacy.services``."""

from privacy.services.anonymise import (
    MSG_ALREADY,
    MSG_CREDIT,
    MSG_NOT_FOUND,
    client_anonymise,
    clients_anonymise_locked,
)
from privacy.services.erasure import erase_personal_data, expire_snapshots
from privacy.services.export import EXPORT_VERSION, client_export_record
from privacy.services.retention import (
    DEFAULT_RETENTION_BATCH_SIZE,
    RetentionRun,
    apply_retention,
    months_before,
    retention_inactive_since,
    retention_plan,
)

__all__ = [
    "DEFAULT_RETENTION_BATCH_SIZE",
    "EXPORT_VERSION",
    "MSG_ALREADY",
    "MSG_CREDIT",
    "MSG_NOT_FOUND",
    "RetentionRun",
    "apply_retention",
    "client_anonymise",
    "client_export_record",
    "clients_anonymise_locked",
    "erase_personal_data",
    "expire_snapshots",
    "months_before",
    "retention_inactive_since",
    "retention_plan",
]
