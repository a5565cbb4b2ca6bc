"""manage.py export_clients [--status ...] [--fields ...] [--output FILE]: the client list as CSV.

Streams through the same writer as the admin's Export CSV (clients.csv_export), so memory stays
flat at any number of clients.
"""

from django.core.management.base import BaseCommand, CommandError

from clients.csv_export import COLUMN_KEYS, client_csv_chunks, export_columns
from clients.models import Client


class Command(BaseCommand):
    help = "Write the client list as CSV (the columns of the admin's Export CSV) to stdout or FILE."

    def add_arguments(self, parser):
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            help="only clients with this status (Active, Inactive, Closed); repeatable",
        )
        parser.add_argument(
            "--fields",
            help=f"comma-separated columns, in this order (default all: {','.join(COLUMN_KEYS)})",
        )
        parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")

    def handle(self, *args, **options):
        statuses = []
        for value in options["status"]:
            status = next((s for s in Client.Status.values if s.lower() == value.lower()), None)
            if status is None:
                raise CommandError(f"--status: {value!r} is not Active, Inactive or Closed.")
            statuses.append(status)
        keys = None
        if options["fields"] is not None:
            keys = [key.strip() for key in options["fields"].split(",") if key.strip()]
            if not keys:
                raise CommandError("--fields: name at least one column.")
        try:
            columns = export_columns(keys)
        except ValueError as error:
            raise CommandError(f"--fields: {error}") from None
        clients = Client.objects.all()
        if statuses:
            clients = clients.filter(status__in=statuses)
        chunks = client_csv_chunks(clients, columns)
        if not options["output"]:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            return
        try:
            with open(options["output"], "w", encoding="utf-8", newline="") as output:
                for chunk in chunks:
                    output.write(chunk)
        except OSError as error:
            raise CommandError(f"--output: {error}") from None
        self.stderr.write(f"Exported {clients.count()} clients to {options['output']}.")
