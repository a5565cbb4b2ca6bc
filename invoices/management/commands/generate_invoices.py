"""The daily invoicing cron: `manage.py generate_invoices [--date YYYY-MM-DD] [--dry-run]`."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from billing_admin.command_runs import STOPPING_ERRORS, run_stopped
from billing_admin.money import format_money
from invoices.services import invoices_generate


def _iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a date as YYYY-MM-DD, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Invoice every Active service due within INVOICE_DAYS_IN_ADVANCE days, advance its next "
        "due date and apply client credit (unless AUTO_APPLY_CREDIT is off). Safe to rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="run as if today were this date (YYYY-MM-DD)")
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would be invoiced, write nothing"
        )

    def handle(self, *args, date=None, dry_run=False, **options):
        today = _iso_date(date) if date else timezone.localdate()
        # Progress is for someone watching a terminal (or asking with -v 2). Captured output
        # (cron, CI) gets the summary only: stderr and stdout captured apart were shown with
        # the progress after the summary.
        show_progress = options["verbosity"] >= 2 or self.stderr.isatty()
        latest = None

        def progress(result):
            nonlocal latest
            latest = result
            if show_progress:
                self.stderr.write(f"batch {result.batches}: {result.invoices} invoices so far")
                self.stderr.flush()

        try:
            result = invoices_generate(today=today, dry_run=dry_run, progress=progress)
        except STOPPING_ERRORS as exc:
            done = latest and (
                f"{'would create' if dry_run else 'created'} {latest.invoices:,} invoices "
                f"(total {format_money(latest.total)}) in {latest.batches:,} whole batches"
            )
            raise run_stopped(exc, progress=done) from None
        self.stdout.write(result.summary(today=today, dry_run=dry_run))
