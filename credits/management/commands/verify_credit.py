"""Check the credit invariant for every client; exit non-zero naming each client that fails."""

from django.core.management.base import BaseCommand, CommandError

from clients.models import Client
from credits.selectors import credit_invariant_violations


class Command(BaseCommand):
    help = (
        "Check, for every client, that credit balance == sum(credit entries) + sum(manual "
        "adjustments) and that it is not negative. Exits 1 naming every client that fails."
    )

    def handle(self, *args, **options):
        mismatches = credit_invariant_violations()
        checked = Client.objects.count()
        for mismatch in mismatches:
            self.stdout.write(
                f"client {mismatch.client_id} <{mismatch.email}>: "
                f"expected {mismatch.expected:.2f}, actual {mismatch.actual:.2f}"
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} of {checked} clients fail the credit invariant.")
        self.stdout.write(
            self.style.SUCCESS(f"{checked} clients checked: all credit balances agree.")
        )
