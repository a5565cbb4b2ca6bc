"""manage.py anonymise_clients --ids 1,2,10-20 | --file FILE [--dry-run] [--yes]

Thin: parse and check the selection (CommandError before anything is written), then call
privacy.services.client_anonymise for each client, one transaction each, as the admin does.
"""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from clients.management.commands.set_client_status import Command as SetClientStatusCommand
from clients.models import Client
from privacy.selectors import anonymisation_summary, retention_cutoff
from privacy.services import client_anonymise


class Command(BaseCommand):
    help = (
        "Anonymise clients: erase their personal data, keep their invoices, payments and credit "
        "log (snapshots inside INVOICE_RETENTION_YEARS stay), and close them."
    )

    # The same selection rules as set_client_status: ids and ranges, or a CSV of ids/emails.
    explicit_ids = SetClientStatusCommand.explicit_ids
    ids_from_file = SetClientStatusCommand.ids_from_file
    confirm = SetClientStatusCommand.confirm

    def add_arguments(self, parser):
        parser.add_argument("--ids", help="client ids and ranges, e.g. 1,2,10-20")
        parser.add_argument(
            "--file", dest="path", help="a CSV or text file of client ids or emails, one a line"
        )
        parser.add_argument("--dry-run", action="store_true", help="show what would happen")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        if not options["ids"] and not options["path"]:
            raise CommandError("Select clients with --ids and/or --file.")
        selected, problems = self.explicit_ids(options)
        if problems:
            raise CommandError("Nothing changed:\n  " + "\n  ".join(problems))
        clients = list(Client.objects.filter(pk__in=selected).order_by("pk"))
        already = [client for client in clients if client.anonymised_at is not None]
        with_credit = [
            client for client in clients if client.credit_balance and client not in already
        ]
        if with_credit:
            raise CommandError(
                "Nothing changed: refund or remove the credit of these clients first:\n  "
                + "\n  ".join(f"#{c.pk} holds {c.credit_balance} {c.currency}" for c in with_credit)
            )
        for client in already:
            self.stdout.write(
                f"#{client.pk} was already anonymised on {client.anonymised_at.date()}; skipped."
            )
        to_do = [client for client in clients if client not in already]
        if options["dry_run"]:
            self.report_dry_run(to_do)
            return
        if not to_do:
            self.stdout.write("Nothing to anonymise.")
            return
        self.confirm(f"Anonymise {len(to_do)} clients? This cannot be undone.", options["yes"])
        done, refused = 0, []
        for number, client in enumerate(to_do, 1):
            try:
                client_anonymise(client_id=client.pk, actor=None)
            except ValidationError as error:
                refused.append(" ".join(error.messages))
            else:
                done += 1
            self.stderr.write(
                f"[{number}/{len(to_do)}] #{client.pk}",
                ending="\r" if sys.stderr.isatty() else "\n",
            )
        summary = f"Anonymised {done} clients ({len(already)} already anonymised"
        if refused:
            raise CommandError(f"{summary}, {len(refused)} refused):\n  " + "\n  ".join(refused))
        self.stdout.write(f"{summary}).")

    def report_dry_run(self, clients: list[Client]) -> None:
        cutoff = retention_cutoff()
        for client in clients:
            summary = anonymisation_summary(client, cutoff=cutoff)
            erased = ", ".join(f"{count} {name}" for name, count in summary.erased) or "nothing"
            kept = ", ".join(f"{count} {name}" for name, count in summary.retained) or "none"
            self.stdout.write(
                f"#{client.pk} {client.full_name}: would erase {erased}; snapshots kept: {kept}; "
                f"would cancel {summary.open_invoices} invoices and end "
                f"{summary.live_services} services."
            )
        self.stdout.write(f"Dry run: would anonymise {len(clients)} clients; nothing changed.")
