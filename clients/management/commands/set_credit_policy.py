"""manage.py set_credit_policy POLICY [selection...]: set many clients' credit policy in batches.

The same selection options, preview, confirmation and progress as set_client_status (this command
extends it), then clients.services.clients_bulk_set_credit_policy, the admin action's service.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from clients.management.commands import set_client_status
from clients.models import Client
from clients.services import clients_bulk_set_credit_policy, parse_credit_policy


class Command(set_client_status.Command):
    help = (
        "Set POLICY (" + ", ".join(Client.CreditPolicy.values) + ") as the credit policy of the "
        "selected clients, in batches, recording each change in the client's history. Ends with "
        '"Changed N clients to POLICY (M already POLICY, K not found)".'
    )

    def add_arguments(self, parser):
        parser.add_argument("policy", help=", ".join(Client.CreditPolicy.values))
        self.add_selection_arguments(parser)

    def handle(self, *args, **options):
        try:
            policy = parse_credit_policy(options["policy"])
        except ValidationError as error:
            raise CommandError(f"POLICY: {error.messages[0]}") from None
        batch_size = set_client_status.parse_batch_size(options)
        selection, problems = self.select_clients(options)
        not_found = len(problems)
        total = selection.count()
        to_change = selection.exclude(credit_policy=policy).count()
        if options["dry_run"]:
            self.stdout.write(
                f"Dry run: would change {to_change} of {total} selected clients to {policy} "
                f"({total - to_change} already {policy}, {not_found} not found); nothing changed."
            )
            return
        if to_change:
            self.confirm(
                f"Change the credit policy of {to_change} clients to {policy}?", options["yes"]
            )
        result = self.run_batches(
            clients_bulk_set_credit_policy,
            clients=selection,
            policy=policy,
            actor=None,
            batch_size=batch_size,
        )
        self.stdout.write(
            f"Changed {result.changed} clients to {policy} ({result.already} already {policy}, "
            f"{not_found + result.vanished} not found)"
        )
