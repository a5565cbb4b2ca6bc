"""manage.py import_clients FILE [--dry-run] [--update-existing] [--skip-invalid]
[--send-welcome-email] [--rejects FILE]: clients from CSV, as the admin's Import CSV does.

Thin: read and decode the file, call clients.services.clients_import, report. Without
--skip-invalid one bad row means nothing is imported; with it the bad rows go to a rejects file.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.services import clients_import, decode_upload, rejects_csv

PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = "Import clients from a CSV file (the columns of Export CSV or of a WHMCS export)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a UTF-8 CSV file with a header row")
        parser.add_argument(
            "--dry-run", action="store_true", help="check everything, import nothing"
        )
        parser.add_argument(
            "--update-existing",
            action="store_true",
            help="a row whose email belongs to a client updates it (otherwise it is refused)",
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the good rows and write the bad ones to the rejects file",
        )
        parser.add_argument(
            "--send-welcome-email", action="store_true", help="email each new client"
        )
        parser.add_argument(
            "--rejects", metavar="FILE", help="where rejected rows go (default FILE.rejects.csv)"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            with path.open("rb") as source:
                # One byte over the limit is enough to refuse the file without reading it all.
                data = source.read(settings.CLIENT_IMPORT_MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(f"{path}: {error.strerror or error}") from None
        try:
            text = decode_upload(data)
        except ValidationError as error:
            raise CommandError(f"{path}: {error.messages[0]}") from None
        result = clients_import(
            text,
            actor=None,
            dry_run=options["dry_run"],
            update_existing=options["update_existing"],
            skip_invalid=options["skip_invalid"],
            send_welcome_email=options["send_welcome_email"],
            on_progress=self.show_progress,
        )
        for notice in result.notices:
            self.stderr.write(notice)
        for problem in result.problems[:PROBLEMS_SHOWN]:
            self.stderr.write(str(problem))
        if len(result.problems) > PROBLEMS_SHOWN:
            self.stderr.write(f"... {len(result.problems)} problems in all.")
        if result.problems and not options["skip_invalid"] or result.file_refused:
            raise CommandError(
                f"{len(result.problems)} problems; nothing imported "
                "(--skip-invalid imports the good rows).",
                returncode=1,
            )
        if result.rejects:
            rejects_path = Path(options["rejects"] or f"{path}.rejects.csv")
            rejects_path.write_text(rejects_csv(result), encoding="utf-8")
            self.stderr.write(f"{result.rejected} rejected rows written to {rejects_path}.")
        verb = "Would import" if options["dry_run"] else "Imported"
        self.stdout.write(
            f"{verb} {result.rows} rows: {result.created} created, {result.updated} updated, "
            f"{result.rejected} rejected"
            + ("; nothing changed (dry run)." if options["dry_run"] else ".")
        )

    def show_progress(self, rows: int) -> None:
        self.stderr.write(f"{rows} rows read", ending="\r" if self.stderr.isatty() else "\n")
