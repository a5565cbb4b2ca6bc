"""manage.py export_client_data --id N --reason TEXT [--output FILE]

Everything the database holds about one client as one JSON file (docs/data-export.md), recorded
like an export from the admin. Streamed: memory does not grow with the client's size.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing_admin.parsing import parse_positive_int
from privacy.export import client_export_chunks
from privacy.services import client_export_record


class Command(BaseCommand):
    help = "Export one client's data as JSON (GDPR access and portability requests)."

    def add_arguments(self, parser):
        parser.add_argument("--id", required=True, help="the client's id")
        parser.add_argument(
            "--reason", required=True, help="why, e.g. 'access request of 3 May' (recorded)"
        )
        parser.add_argument("--output", help="the file to write (default: standard output)")

    def handle(self, *args, **options):
        client_id = parse_positive_int(options["id"])
        if client_id is None:
            raise CommandError(f"--id: {options['id']!r} is not a client id.")
        path = options["output"]
        # Opened before the export is recorded: an unwritable path records nothing.
        try:
            handle = open(path, "w", encoding="utf-8") if path else None  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"--output: cannot write {path}: {exc.strerror}.") from None
        try:
            client_export_record(client_id=client_id, actor=None, reason=options["reason"])
            for chunk in client_export_chunks(client_id):
                if handle is None:
                    self.stdout.write(chunk, ending="")
                else:
                    handle.write(chunk)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        finally:
            if handle is not None:
                handle.close()
        if path:
            self.stderr.write(f"Exported client #{client_id} to {path}.")
