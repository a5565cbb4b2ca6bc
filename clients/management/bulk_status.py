"""What the bulk commands share (set_client_status, auto_update_client_status and, through
set_client_status, set_credit_policy): progress on stderr, one line when Ctrl-C or a database
failure stops a run, the dry-run report and the summary line. A library module, so neither
status command imports the other."""

from collections.abc import Callable
from typing import TypeVar

from django.core.management.base import BaseCommand
from django.db.models import QuerySet

from billing_admin.command_runs import STOPPING_ERRORS, run_stopped
from clients.models import Client
from clients.selectors import status_change_preview, status_change_sample
from clients.services import BulkRunResult, BulkStatusResult

PROGRESS_WIDTH = 30
T = TypeVar("T")


def summary_line(result: BulkStatusResult, *, not_found: int) -> str:
    return (
        f"Changed {result.changed} clients to {result.status} "
        f"({result.already} already {result.status}, {not_found + result.vanished} not found)"
    )


class BulkStatusCommand(BaseCommand):
    """Progress on stderr and a clean report on Ctrl-C or a database failure."""

    def run_batches(self, service: Callable[..., T], **kwargs) -> T:
        """Call a batched service with progress reporting; stopped by Ctrl-C or a database
        failure, say how far it got in one line."""
        self.latest: BulkRunResult | None = None
        try:
            return service(on_batch=self.show_progress, **kwargs)
        except STOPPING_ERRORS as exc:
            self.stderr.write("")
            done = self.latest
            raise run_stopped(exc, progress=done and done.progress_text()) from None

    def report_dry_run(self, selection: QuerySet[Client], status: str, *, not_found: int) -> None:
        """What a run would do: counts by current status, a sample, and the would-be summary."""
        preview = status_change_preview(selection, status=status)
        self.stdout.write(f"{preview.total} clients selected; by current status:")
        for current, count in preview.by_status.items():
            self.stdout.write(f"  {current}: {count}")
        self.stdout.write(f"{preview.with_active_services} of them have an Active service.")
        sample = status_change_sample(selection)
        if sample:
            self.stdout.write("Sample:")
            for client in sample:
                self.stdout.write(
                    f"  #{client.pk} {client.full_name} <{client.email}> {client.status}"
                )
        self.stdout.write(
            f"Dry run: would change {preview.to_change} clients to {status} ({preview.already} "
            f"already {status}, {not_found} not found); nothing changed."
        )

    def show_progress(self, result: BulkRunResult) -> None:
        self.latest = result
        if result.batches_total < 2:
            return
        filled = PROGRESS_WIDTH * result.batches_done // result.batches_total
        bar = "#" * filled + "-" * (PROGRESS_WIDTH - filled)
        last = result.batches_done == result.batches_total
        ending = "\n" if last or not self.stderr.isatty() else "\r"
        self.stderr.write(
            f"[{bar}] {result.processed}/{result.selected} clients set to {result.new_value}",
            ending=ending,
        )
