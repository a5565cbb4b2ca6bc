"""manage.py set_client_status STATUS [selection...]: set many clients' status in batches.

Thin: parse and check every input (CommandError before anything is written), select through
clients.selectors, preview, confirm, then call clients.services.clients_bulk_set_status, the same
service as the admin's bulk actions.
"""

import csv
import sys
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils import timezone

from billing_admin.iso_codes import COUNTRY_CODES
from billing_admin.parsing import parse_positive_int
from clients.management.bulk_status import BulkStatusCommand, summary_line
from clients.models import Client, ClientGroup
from clients.selectors import (
    client_ids_by_email,
    clients_for_status_change,
    clients_with_ids,
    existing_client_ids,
    status_change_preview,
)
from clients.services import DEFAULT_BATCH_SIZE, clients_bulk_set_status

# A typo such as 1-10000000000 should fail fast, not build a huge set.
MAX_RANGE = 1_000_000
HEADER_NAMES = {"id", "client_id", "clientid", "userid", "email", "client_email"}


def parse_status(value: str, option: str) -> str:
    for status in Client.Status.values:
        if value.strip().lower() == status.lower():
            return status
    raise CommandError(f"{option}: {value!r} is not a client status (Active, Inactive, Closed).")


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"{option}: {value!r} is not a date (YYYY-MM-DD).") from None


def parse_id_list(value: str) -> set[int]:
    """``1,2,10-20`` as a set of ids; any malformed part is a usage error."""
    ids: set[int] = set()
    for part in value.split(","):
        first, dash, last = part.partition("-")
        low = parse_positive_int(first)
        high = parse_positive_int(last) if dash else low
        if low is None or high is None or low > high:
            raise CommandError(f"--ids: {part.strip()!r} is not an id or a range like 10-20.")
        if high - low >= MAX_RANGE:
            raise CommandError(f"--ids: {part.strip()!r} spans more than {MAX_RANGE} ids.")
        ids.update(range(low, high + 1))
    return ids


def parse_batch_size(options) -> int:
    batch_size = parse_positive_int(str(options["batch_size"]))
    if batch_size is None:
        raise CommandError("--batch-size must be a whole number of at least 1.")
    return batch_size


class Command(BulkStatusCommand):
    help = (
        "Set STATUS (Active, Inactive or Closed) on the selected clients, in batches, recording "
        "each change in the client's history. Ends with \"Changed N clients to STATUS (M already "
        'STATUS, K not found)"; K counts unknown or malformed entries and clients deleted '
        "meanwhile."
    )

    def add_arguments(self, parser):
        parser.add_argument("status", help="Active, Inactive or Closed")
        self.add_selection_arguments(parser)

    def add_selection_arguments(self, parser):
        """The selection, dry run, batch size and confirmation options (set_credit_policy's too)."""
        selection = parser.add_argument_group("selection (options combine with AND)")
        selection.add_argument("--ids", help="ids and ranges, e.g. 1,2,10-20")
        selection.add_argument(
            "--file",
            dest="path",
            metavar="PATH",
            help="CSV or one entry per line: client ids or emails; a header row is allowed",
        )
        selection.add_argument("--current-status", help="only clients with this status now")
        selection.add_argument("--group", help="client group name or id")
        selection.add_argument("--country", help="ISO 3166-1 alpha-2 country code")
        selection.add_argument("--created-before", metavar="YYYY-MM-DD")
        selection.add_argument(
            "--no-active-services", action="store_true", help="clients without an Active service"
        )
        selection.add_argument(
            "--no-invoice-since",
            metavar="YYYY-MM-DD",
            help="clients with no invoice dated on or after this date",
        )
        selection.add_argument(
            "--all", action="store_true", help="every client (required when nothing else selects)"
        )
        parser.add_argument("--dry-run", action="store_true", help="report, change nothing")
        parser.add_argument("--batch-size", default=str(DEFAULT_BATCH_SIZE), help="clients/batch")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument(
            "--skip-missing",
            action="store_true",
            help="change the rest when some ids or emails are unknown or malformed",
        )

    def handle(self, *args, **options):
        status = parse_status(options["status"], "STATUS")
        batch_size = parse_batch_size(options)
        selection, problems = self.select_clients(options)
        if options["dry_run"]:
            self.report_dry_run(selection, status, not_found=len(problems))
            return
        preview = status_change_preview(selection, status=status)
        if preview.to_change:
            self.confirm(f"Change {preview.to_change} clients to {status}?", options["yes"])
        result = self.run_batches(
            clients_bulk_set_status,
            clients=selection,
            status=status,
            actor=None,
            batch_size=batch_size,
        )
        self.stdout.write(summary_line(result, not_found=len(problems)))

    def select_clients(self, options) -> tuple[QuerySet[Client], list[str]]:
        """The selected clients, and a line per unknown or malformed entry (reported on stderr;
        a CommandError unless --skip-missing)."""
        explicit_ids, problems = self.explicit_ids(options)
        filters = self.filters(options)
        if options["all"] and (explicit_ids is not None or filters):
            raise CommandError("--all selects every client; it cannot be combined with others.")
        if not options["all"] and explicit_ids is None and not filters:
            raise CommandError("Nothing selected: give selection options, or --all for everyone.")
        for problem in problems:
            self.stderr.write(problem)
        if problems and not options["skip_missing"]:
            raise CommandError(
                f"{len(problems)} unknown or malformed entries; nothing changed "
                "(--skip-missing changes the rest).",
                returncode=1,
            )

        base = clients_with_ids(explicit_ids) if explicit_ids is not None else None
        return clients_for_status_change(base, **filters), problems

    def confirm(self, question: str, assume_yes: bool) -> None:
        if assume_yes:
            return
        if not sys.stdin.isatty():
            raise CommandError("No terminal to confirm on: pass --yes to change clients.")
        if input(f"{question} [y/N] ").strip().lower() not in {"y", "yes"}:
            raise CommandError("Not confirmed; nothing changed.")

    def filters(self, options) -> dict:
        """The non-id selection options, checked, as keyword arguments for the selector."""
        filters = {}
        if options["current_status"]:
            filters["current_status"] = parse_status(options["current_status"], "--current-status")
        if options["group"]:
            filters["group_id"] = self.group_id(options["group"])
        if options["country"]:
            country = options["country"].strip().upper()
            if country not in COUNTRY_CODES:
                raise CommandError(f"--country: {options['country']!r} is not an ISO country code.")
            filters["country"] = country
        if options["created_before"]:
            day = parse_date(options["created_before"], "--created-before")
            filters["created_before"] = timezone.make_aware(datetime.combine(day, time.min))
        if options["no_active_services"]:
            filters["no_active_services"] = True
        if options["no_invoice_since"]:
            filters["no_invoice_since"] = parse_date(
                options["no_invoice_since"], "--no-invoice-since"
            )
        return filters

    def group_id(self, name_or_id: str) -> int:
        if "\x00" in name_or_id:  # PostgreSQL refuses NUL in text: no name can match it
            raise CommandError(f"--group: no client group matches {name_or_id!r}.")
        groups = ClientGroup.objects.filter(name__iexact=name_or_id.strip())
        group_pk = parse_positive_int(name_or_id)
        if group_pk is not None:
            groups = groups | ClientGroup.objects.filter(pk=group_pk)
        matches = list(groups.values_list("pk", flat=True)[:2])
        if len(matches) != 1:
            problem = "no client group" if not matches else "more than one client group"
            raise CommandError(f"--group: {problem} matches {name_or_id!r}.")
        return matches[0]

    def explicit_ids(self, options) -> tuple[set[int] | None, list[str]]:
        """Ids named by --ids and/or --file (AND), and a report line per unknown/malformed entry."""
        selected: set[int] | None = None
        problems: list[str] = []
        if options["ids"]:
            ids = parse_id_list(options["ids"])
            known = existing_client_ids(ids)
            problems += [f"--ids: no client with id {pk}" for pk in sorted(ids - known)]
            selected = known
        if options["path"]:
            from_file, file_problems = self.ids_from_file(options["path"])
            problems += file_problems
            selected = from_file if selected is None else selected & from_file
        return selected, problems

    def ids_from_file(self, path: str) -> tuple[set[int], list[str]]:
        """Ids from a CSV or plain list of ids/emails, one per row, and a line per bad entry.

        The first non-blank row is a header when a cell names the column (id, email, ...); the
        entries are then read from that column, otherwise from the first.
        """
        ids_by_line: dict[int, int] = {}
        emails_by_line: dict[int, str] = {}
        problems: list[tuple[int, str]] = []
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                reader = csv.reader(handle)
                column = None
                for row in reader:
                    cells = [cell.strip() for cell in row]
                    if not any(cells):
                        continue
                    if column is None:
                        named = [i for i, cell in enumerate(cells) if cell.lower() in HEADER_NAMES]
                        column = named[0] if named else 0
                        if named:
                            continue
                    line = reader.line_num
                    value = cells[column] if column < len(cells) else ""
                    client_id = parse_positive_int(value)
                    if client_id is not None:
                        ids_by_line[line] = client_id
                    elif is_email(value):
                        emails_by_line[line] = value
                    else:
                        problems.append((line, f"line {line}: not a client id or email: {value!r}"))
        except OSError as exc:
            raise CommandError(f"--file: cannot read {path}: {exc.strerror}.") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"--file: {path} is not a CSV or text file: {exc}") from None

        known_ids = existing_client_ids(ids_by_line.values())
        ids_by_email = client_ids_by_email(emails_by_line.values())
        found: set[int] = set()
        for line, client_id in ids_by_line.items():
            if client_id in known_ids:
                found.add(client_id)
            else:
                problems.append((line, f"line {line}: no client with id {client_id}"))
        for line, email in emails_by_line.items():
            if email.lower() in ids_by_email:
                found.add(ids_by_email[email.lower()])
            else:
                problems.append((line, f"line {line}: no client with email {email}"))
        return found, [message for _, message in sorted(problems)]


def is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True
