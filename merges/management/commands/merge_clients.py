"""manage.py merge_clients SOURCE TARGET [--dry-run] [--yes] [--no-contact]: merge one client
into another, as the Summary's Merge Clients does (merges.services.client_merge)."""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from billing_admin.parsing import parse_positive_int
from clients.models import Client
from merges.selectors import merge_preview, merged_into
from merges.services import MSG_ALREADY_MERGED, MSG_NOT_FOUND, MSG_SAME_CLIENT, client_merge

MSG_NO_TERMINAL = "No terminal to confirm on: pass --yes to merge. Nothing changed."


class Command(BaseCommand):
    help = "Merge client SOURCE into client TARGET: everything moves to TARGET, SOURCE is removed."

    def add_arguments(self, parser):
        parser.add_argument("source", help="id of the client that goes")
        parser.add_argument("target", help="id of the client that stays")
        parser.add_argument("--dry-run", action="store_true", help="show what would move")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument(
            "--no-contact", action="store_true", help="do not keep SOURCE as a contact of TARGET"
        )

    def _client(self, value: str, name: str) -> Client:
        client_id = parse_positive_int(value)
        if client_id is None:
            raise CommandError(f"{name}: {value!r} is not a client id.")
        client = Client.objects.filter(pk=client_id).first()
        if client is None:
            target_id = merged_into(client_id)
            message = (
                MSG_ALREADY_MERGED % {"client_id": client_id, "target_id": target_id}
                if target_id
                else MSG_NOT_FOUND % {"client_id": client_id}
            )
            raise CommandError(f"{name}: {message}")
        return client

    def handle(self, *args, **options):
        source = self._client(options["source"], "SOURCE")
        target = self._client(options["target"], "TARGET")
        if source.pk == target.pk:
            raise CommandError(MSG_SAME_CLIENT)
        preview = merge_preview(source, target)
        self.stdout.write(f"Merge #{source.pk} {source} <{source.email}>")
        self.stdout.write(f" into #{target.pk} {target} <{target.email}>:")
        for label, count in preview.counts.items():
            self.stdout.write(f"  {label}: {count}")
        for name, kept, lost in preview.field_conflicts:
            self.stdout.write(f"  conflict {name}: keeps {kept!r}, drops {lost!r}")
        if preview.duplicate_contacts:
            self.stdout.write(f"  {preview.duplicate_contacts} duplicate contacts dropped")
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing changed.")
            return
        if not options["yes"]:
            if not sys.stdin.isatty():
                # cron or a pipe: nobody to ask, and input() would end in a traceback.
                raise CommandError(MSG_NO_TERMINAL)
            answer = input(f"Merge #{source.pk} into #{target.pk}? Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Cancelled: nothing changed.")
        try:
            client_merge(
                source_id=source.pk,
                target_id=target.pk,
                actor=None,
                source_as_contact=not options["no_contact"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Merged #{source.pk} into #{target.pk}.")
