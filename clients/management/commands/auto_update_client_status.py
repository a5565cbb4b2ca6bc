"""manage.py auto_update_client_status [--dry-run]: the daily cron's client status update.

WHMCS's "Client Status Update" automation (clients.services.clients_auto_update_status): Active
clients without active services become Inactive, Inactive clients with an Active service become
Active again; Closed clients and clients with automatic status update disabled are left alone.
AUTO_CLIENT_STATUS_CHANGE=false turns it off; AUTO_STATUS_INACTIVE_AFTER_DAYS sets the grace.
"""

from django.conf import settings

from clients.management.bulk_status import BulkStatusCommand, summary_line
from clients.models import Client
from clients.selectors import (
    clients_due_auto_active,
    clients_due_auto_inactive,
)
from clients.services import auto_status_inactive_since, clients_auto_update_status


class Command(BulkStatusCommand):
    help = (
        "Set Active clients without active services Inactive (after "
        "AUTO_STATUS_INACTIVE_AFTER_DAYS) and Inactive clients with an Active service Active. "
        "Never touches Closed clients or clients with automatic status update disabled."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")

    def handle(self, *args, **options):
        if not settings.AUTO_CLIENT_STATUS_CHANGE:
            self.stdout.write(
                "Automatic client status update is disabled (AUTO_CLIENT_STATUS_CHANGE=false); "
                "nothing changed."
            )
            return
        if options["dry_run"]:
            since = auto_status_inactive_since()
            self.report_dry_run(
                clients_due_auto_inactive(since=since), Client.Status.INACTIVE, not_found=0
            )
            self.report_dry_run(clients_due_auto_active(), Client.Status.ACTIVE, not_found=0)
            return
        run = self.run_batches(clients_auto_update_status)
        for result in (run.to_inactive, run.to_active):
            self.stdout.write(summary_line(result, not_found=0))
