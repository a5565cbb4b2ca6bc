"""manage.py send_statements --period last-month [--dry-run] [--resend]: email every client with
movements in the period its statement, in batches with progress; rerun to resume."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing_admin.command_runs import STOPPING_ERRORS, run_stopped
from billing_admin.parsing import parse_positive_int
from statements.selectors import DEFAULT_PERIOD, PERIODS, statement_range
from statements.services import (
    DEFAULT_BATCH_SIZE,
    SendStatementsResult,
    statements_send,
    statements_to_send,
)


class Command(BaseCommand):
    help = (
        "Queue for each client with movements in the period its account statement email (PDF "
        "attached), "
        "once per period: a rerun skips clients already sent it (resuming a stopped run) unless "
        "--resend. Periods: " + ", ".join(PERIODS) + "; or --start/--end dates."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", default=DEFAULT_PERIOD, help=", ".join(PERIODS))
        parser.add_argument("--start", metavar="YYYY-MM-DD")
        parser.add_argument("--end", metavar="YYYY-MM-DD")
        parser.add_argument(
            "--resend", action="store_true", help="send again to clients already sent this period"
        )
        parser.add_argument("--dry-run", action="store_true", help="count, send nothing")
        parser.add_argument("--batch-size", default=str(DEFAULT_BATCH_SIZE))

    def handle(self, *args, **options):
        try:
            start, end = statement_range(
                period=options["period"], start=options["start"], end=options["end"]
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        batch_size = parse_positive_int(str(options["batch_size"]))
        if batch_size is None:
            raise CommandError("--batch-size must be a whole number of at least 1.")
        if options["dry_run"]:
            count = statements_to_send(start=start, end=end, resend=options["resend"]).count()
            self.stdout.write(
                f"Dry run: would email {count} statements for {start}..{end}; nothing sent."
            )
            return
        self.latest: SendStatementsResult | None = None
        try:
            result = statements_send(
                start=start,
                end=end,
                resend=options["resend"],
                batch_size=batch_size,
                on_batch=self.show_progress,
            )
        except STOPPING_ERRORS as exc:
            # Each statement commits with its "sent" record, so even a first batch cut short
            # may have queued some: never claim "nothing changed".
            progress = (
                self.latest.progress_text()
                if self.latest
                else (
                    f"stopped in the first batch of the statements for {start}..{end} (each one "
                    "queued before the failure is recorded as sent)"
                )
            )
            raise run_stopped(exc, progress=progress) from None
        self.stdout.write(
            f"Queued {result.sent} statements for {start}..{end} "
            f"({result.already_sent} already sent before this run)"
        )

    def show_progress(self, result: SendStatementsResult) -> None:
        self.latest = result
        self.stderr.write(
            f"batch {result.batches_done}/{result.batches_total}: {result.processed}/"
            f"{result.selected} statements"
        )
