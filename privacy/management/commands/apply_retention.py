"""manage.py apply_retention [--dry-run] [--batch-size N]  (daily, from cron)

Clients Inactive or Closed with nothing changed for RETENTION_INACTIVE_MONTHS are anonymised, or
deleted when they have no invoice or transaction; then identity snapshots past
INVOICE_RETENTION_YEARS of clients anonymised or deleted earlier are erased. Batches that each
commit on their own: safe to interrupt and run again.
"""

from django.core.management.base import BaseCommand, CommandError

from billing_admin.command_runs import STOPPING_ERRORS, run_stopped
from privacy.services import (
    DEFAULT_RETENTION_BATCH_SIZE,
    RetentionRun,
    apply_retention,
    retention_inactive_since,
    retention_plan,
)

DRY_RUN_LISTED = 50


class Command(BaseCommand):
    help = "Anonymise (or delete) clients idle for RETENTION_INACTIVE_MONTHS."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list what would happen")
        parser.add_argument(
            "--batch-size", type=int, default=DEFAULT_RETENTION_BATCH_SIZE, help="clients a batch"
        )

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be 1 or more.")
        since = retention_inactive_since()
        if since is None:
            self.stdout.write("Retention is disabled (RETENTION_INACTIVE_MONTHS is not set).")
            return
        if options["dry_run"]:
            anonymise, delete = retention_plan(inactive_since=since)
            for verb, ids in (("anonymise", anonymise), ("delete", delete)):
                for client_id in ids[:DRY_RUN_LISTED]:
                    self.stdout.write(f"would {verb} #{client_id}")
                if len(ids) > DRY_RUN_LISTED:
                    self.stdout.write(f"... and {len(ids) - DRY_RUN_LISTED} more to {verb}")
            self.stdout.write(
                f"Dry run: would anonymise {len(anonymise)} and delete {len(delete)} clients "
                f"unchanged since {since:%Y-%m-%d}; nothing changed."
            )
            return
        self.latest: RetentionRun | None = None
        try:
            run = apply_retention(
                inactive_since=since, batch_size=options["batch_size"], on_batch=self.progress
            )
        except STOPPING_ERRORS as exc:
            done = self.latest
            progress = done and (
                f"anonymised {len(done.anonymised):,} and deleted {len(done.deleted):,} clients "
                f"in {done.batches_done:,} whole batches"
            )
            raise run_stopped(exc, progress=progress) from None
        expired = sum(run.expired_snapshots.values())
        self.stdout.write(
            f"Anonymised {len(run.anonymised)} and deleted {len(run.deleted)} clients unchanged "
            f"since {since:%Y-%m-%d}; erased {expired} identity snapshots past their retention."
        )

    def progress(self, run: RetentionRun) -> None:
        self.latest = run
        self.stderr.write(
            f"batch {run.batches_done}: {len(run.anonymised)} anonymised, "
            f"{len(run.deleted)} deleted so far"
        )
