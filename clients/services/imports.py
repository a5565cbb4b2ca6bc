"""Importing clients from CSV: every row validated as Add New Client validates it.

One pass over the file in batches: each row is read, mapped and built with ``client_build``
(the Add New Client rules), emails are checked per batch in one query, and the good rows are
inserted by ``clients_insert`` (or, with ``update_existing``, rows whose email belongs to a
client update it through ``client_update``). The whole import is one transaction: without
``skip_invalid`` a single bad row rolls everything back, and a dry run always does, so the
preview reports exactly what the real import would do.
"""

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from billing_admin.iso_codes import COUNTRY_CHOICES, COUNTRY_CODES, CURRENCY_CODES
from clients.csv_export import CSV_EXTENSIONS, EXPORT_COLUMNS, FORMULA_GUARD, FORMULA_PREFIXES
from clients.models import EMAIL_TAKEN, Client, ClientGroup, ClientImport
from clients.selectors import client_ids_by_email
from clients.services.client import client_build, client_set_status, client_update, clients_insert

IMPORT_BATCH_SIZE = 1000
# Where a row's values for registered apps' columns travel (custom fields); see CSV_EXTENSIONS:
# each extension's importer() gives, for one import (so it reads its definitions once),
# an object with import_aliases() (normalised header -> column key), clean(values, new=) (the
# values as stored, or ValidationError keyed by column key), save_new({client id: values}) and
# save_existing(client_id, values, actor=).
EXTRA = "extra"
MAX_COLUMNS = 100
MAX_CELL_CHARS = 10_000
PREVIEW_ROWS = 10

# Header spellings, compared without case, spaces or punctuation: ours (the export's headers and
# field names) and those of a WHMCS client export or its API (firstname, phonenumber, ...).
HEADER_ALIASES = {
    "id": ("id", "clientid", "userid"),
    "first_name": ("firstname",),
    "last_name": ("lastname", "surname"),
    "company_name": ("companyname", "company"),
    "email": ("email", "emailaddress"),
    "phone_number": ("phonenumber", "phone", "telephone"),
    "address1": ("address1", "addressline1", "address"),
    "address2": ("address2", "addressline2"),
    "city": ("city",),
    "state": ("state", "stateregion", "region"),
    "postcode": ("postcode", "zip", "zipcode", "postalcode"),
    "country": ("country", "countrycode"),
    "currency": ("currency", "currencycode"),
    "language": ("language",),
    "group": ("group", "groupname", "clientgroup"),
    "status": ("status",),
    "credit_balance": ("creditbalance", "credit", "balance"),
    "marketing_opt_in": ("marketingemails", "marketingoptin", "marketing"),
    "tax_exempt": ("taxexempt",),
    "override_auto_close": ("disableautomaticstatusupdate", "overrideautoclose"),
    "created_at": ("created", "createdat", "datecreated"),
}
# Read and shown in the export, never written by an import: ids belong to this database, the
# balance moves only through the credit log, and the creation time is the import's.
IGNORED_COLUMNS = ("id", "credit_balance", "created_at")
REQUIRED_COLUMNS = ("first_name", "last_name", "email")
# Text a spreadsheet would run as a formula is refused in these fields (a phone may start with +).
FORMULA_CHECKED_FIELDS = (
    "first_name",
    "last_name",
    "company_name",
    "email",
    "address1",
    "address2",
    "city",
    "state",
    "postcode",
)
TRUE_WORDS = {"yes", "y", "true", "1", "on"}
FALSE_WORDS = {"no", "n", "false", "0", "off", ""}
COUNTRY_BY_NAME = {name.lower(): code for code, name in COUNTRY_CHOICES}
HEADER_LABELS = {column.key: column.header for column in EXPORT_COLUMNS}

MSG_TOO_LARGE = "The file is %(size)s; the limit is %(limit)s. Split it into smaller files."
MSG_EMPTY = "The file is empty."
MSG_NOT_TEXT = (
    "The file is not a UTF-8 CSV text file (%(detail)s). Save it as “CSV UTF-8” and try again."
)
MSG_BAD_CSV = "The file could not be read as CSV: %(error)s."
MSG_TOO_MANY_COLUMNS = "The file has %(count)s columns; a client import has at most %(limit)s."
MSG_UNKNOWN_COLUMN = "Unknown column “%(header)s”."
MSG_DUPLICATE_COLUMN = "Column “%(header)s” repeats “%(first)s”."
MSG_MISSING_COLUMN = "The file has no “%(header)s” column."
MSG_CELL_COUNT = "The row has %(count)s cells; the header has %(expected)s."
MSG_CELL_TOO_LONG = "More than %(limit)s characters."
MSG_FORMULA = "Starts with “%(char)s”, which a spreadsheet would run as a formula."
MSG_NOT_YES_NO = "Enter Yes or No."
MSG_COUNTRY = "Not a country: use its two-letter code (GB) or its English name."
MSG_CURRENCY = "Not a currency: use its three-letter code (EUR)."
MSG_GROUP = "No client group is named “%(name)s”."
MSG_STATUS = "Choose Active, Inactive or Closed."
MSG_DUPLICATE_EMAIL = "The same email as line %(line)s of this file."
MSG_EMAIL_TAKEN_BY = EMAIL_TAKEN + " (client #%(client_id)s)"
MSG_IGNORED = "“%(header)s” is not imported (%(why)s)."
IGNORED_WHY = {
    "id": "new clients get new IDs",
    "credit_balance": "add credit with Manage Credits, which logs it",
    "created_at": "the import time is recorded",
}


def normalise_header(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


COLUMN_BY_ALIAS = {
    alias: key
    for key, aliases in HEADER_ALIASES.items()
    for alias in (*aliases, normalise_header(key), normalise_header(HEADER_LABELS.get(key, key)))
}


@dataclass(frozen=True)
class ImportProblem:
    line: int  # 1 is the header
    column: str  # the file's header, or "" for the whole row or file
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" if self.line else "file"
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )


@dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header -> field key
    preview: list[list[str]] = field(default_factory=list)
    rejects: list[tuple[int, list[str], str]] = field(default_factory=list)

    @property
    def imported(self) -> bool:
        """Whether anything was (or, in a dry run, would be) written."""
        return bool(self.created or self.updated)

    @property
    def file_refused(self) -> bool:
        """A problem with the file itself (size, encoding, columns): no row was read."""
        return any(problem.line <= 1 for problem in self.problems)


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB"


def decode_upload_size_message(size: int) -> str:
    return MSG_TOO_LARGE % {"size": _size(size), "limit": _size(settings.CLIENT_IMPORT_MAX_BYTES)}


def decode_upload(data: bytes) -> str:
    """The file's text, or ValidationError with what is wrong with it (size, binary, encoding)."""
    if len(data) > settings.CLIENT_IMPORT_MAX_BYTES:
        raise ValidationError(decode_upload_size_message(len(data)))
    if not data.strip():
        raise ValidationError(MSG_EMPTY)
    if b"\x00" in data:
        raise ValidationError(MSG_NOT_TEXT % {"detail": "it holds binary data"})
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            MSG_NOT_TEXT % {"detail": f"byte {exc.start + 1} is not UTF-8"}
        ) from None


def _unguard(value: str) -> str:
    """Undo the export's formula guard ("'+44..." back to "+44...")."""
    if value.startswith(FORMULA_GUARD) and value[1:2] and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


class _RowError(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, message


class _RowReader:
    """Turns a CSV row into profile fields (plus status), raising _RowError for the first bad
    cell; groups are looked up once each."""

    def __init__(self, headers: list[str], mapping: dict[str, str]):
        self.headers = headers
        self.columns = [
            (index, header, mapping.get(header)) for index, header in enumerate(headers)
        ]
        self.groups: dict[str, ClientGroup | None] = {}

    def fields(self, row: list[str]) -> dict:
        if len(row) != len(self.headers):
            raise _RowError("", MSG_CELL_COUNT % {"count": len(row), "expected": len(self.headers)})
        fields: dict = {}
        for index, header, key in self.columns:
            if key is None or key in IGNORED_COLUMNS:
                continue
            raw = row[index]
            if len(raw) > MAX_CELL_CHARS:
                raise _RowError(header, MSG_CELL_TOO_LONG % {"limit": MAX_CELL_CHARS})
            value = _unguard(raw.strip())
            if key not in HEADER_ALIASES:  # a registered app's column: that app checks it
                fields.setdefault(EXTRA, {})[key] = value
                continue
            if key in FORMULA_CHECKED_FIELDS and value.startswith(FORMULA_PREFIXES):
                raise _RowError(header, MSG_FORMULA % {"char": value[0]})
            fields[key] = self.convert(key, header, value)
        return fields

    def convert(self, key: str, header: str, value: str):
        if key in ("marketing_opt_in", "tax_exempt", "override_auto_close"):
            word = value.lower()
            if word not in TRUE_WORDS | FALSE_WORDS:
                raise _RowError(header, MSG_NOT_YES_NO)
            return word in TRUE_WORDS
        if key == "country":
            code = (
                value.upper()
                if value.upper() in COUNTRY_CODES
                else COUNTRY_BY_NAME.get(value.lower())
            )
            if code is None:
                raise _RowError(header, MSG_COUNTRY)
            return code
        if key == "currency":
            if not value:
                return settings.DEFAULT_CURRENCY
            if value.upper() not in CURRENCY_CODES:
                raise _RowError(header, MSG_CURRENCY)
            return value.upper()
        if key == "group":
            return self.group(header, value)
        if key == "status":
            status = next((s for s in Client.Status.values if s.lower() == value.lower()), None)
            if value and status is None:
                raise _RowError(header, MSG_STATUS)
            return status or Client.Status.ACTIVE
        return value

    def group(self, header: str, name: str) -> ClientGroup | None:
        if not name:
            return None
        if name.lower() not in self.groups:
            self.groups[name.lower()] = ClientGroup.objects.filter(name__iexact=name).first()
        group = self.groups[name.lower()]
        if group is None:
            raise _RowError(header, MSG_GROUP % {"name": name})
        return group


def _field_header(mapping: dict[str, str], key: str) -> str:
    return next((header for header, mapped in mapping.items() if mapped == key), key)


def _map_headers(
    headers: list[str], result: ImportResult, *, skip_invalid: bool, aliases: dict[str, str]
) -> None:
    """Fill ``result.mapping``; unknown or repeated columns are problems (ignored with
    ``skip_invalid``), a missing required column always is."""
    if len(headers) > MAX_COLUMNS:
        result.problems.append(
            ImportProblem(
                1, "", MSG_TOO_MANY_COLUMNS % {"count": f"{len(headers):,}", "limit": MAX_COLUMNS}
            )
        )
        return
    seen: dict[str, str] = {}
    for header in headers:
        key = aliases.get(normalise_header(header))
        if key is None:
            message = MSG_UNKNOWN_COLUMN % {"header": header}
        elif key in seen:
            message = MSG_DUPLICATE_COLUMN % {"header": header, "first": seen[key]}
        else:
            seen[key] = header
            result.mapping[header] = key
            if key in IGNORED_COLUMNS:
                result.notices.append(MSG_IGNORED % {"header": header, "why": IGNORED_WHY[key]})
            continue
        if skip_invalid:
            result.notices.append(f"{message} It is ignored.")
        else:
            result.problems.append(ImportProblem(1, header, message))
    for key in REQUIRED_COLUMNS:
        if key not in seen:
            label = HEADER_LABELS[key]
            result.problems.append(ImportProblem(1, "", MSG_MISSING_COLUMN % {"header": label}))


@dataclass
class _Row:
    line: int
    cells: list[str]
    client: Client | None = None
    extra: dict = field(default_factory=dict)  # registered apps' raw values, then cleaned
    status: str = Client.Status.ACTIVE


def clients_import(
    text: str,
    *,
    actor,
    dry_run: bool = False,
    update_existing: bool = False,
    skip_invalid: bool = False,
    send_welcome_email: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import the CSV ``text`` (see the module docstring); the result lists every problem by
    line and column, and with ``skip_invalid`` the rejected rows with their reason."""
    result = ImportResult(dry_run=dry_run)
    reader = csv.reader(io.StringIO(text))
    try:
        result.headers = [header.strip() for header in next(reader, [])]
    except csv.Error as exc:
        result.problems.append(ImportProblem(1, "", MSG_BAD_CSV % {"error": exc}))
        return result
    importers = [extension.importer() for extension in CSV_EXTENSIONS]
    aliases = dict(COLUMN_BY_ALIAS)
    for importer in importers:
        aliases.update(importer.import_aliases())
    _map_headers(result.headers, result, skip_invalid=skip_invalid, aliases=aliases)
    if result.problems:
        return result
    rows = _RowReader(result.headers, result.mapping)
    with transaction.atomic():
        seen_emails: dict[str, int] = {}
        for batch in _batches(reader, result):
            _import_batch(
                batch,
                rows,
                result,
                seen_emails,
                importers,
                actor=actor,
                update_existing=update_existing,
                send_welcome_email=send_welcome_email,
            )
            if on_progress is not None:
                on_progress(result.rows)
        # Batches report row errors before the batch's email clashes: put them in file order.
        result.problems.sort(key=lambda problem: problem.line)
        result.rejects.sort(key=lambda reject: reject[0])
        failed = result.problems and not skip_invalid
        if failed:
            result.created = result.updated = 0
        if failed or dry_run:
            transaction.set_rollback(True)
    return result


def _batches(reader, result: ImportResult) -> Iterator[list[_Row]]:
    batch: list[_Row] = []
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.problems.append(ImportProblem(reader.line_num, "", MSG_BAD_CSV % {"error": exc}))
            break
        if not any(cell.strip() for cell in cells):
            continue
        result.rows += 1
        if len(result.preview) < PREVIEW_ROWS:
            result.preview.append(cells)
        batch.append(_Row(reader.line_num, cells))
        if len(batch) == IMPORT_BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _reject(result: ImportResult, row: _Row, column: str, message: str) -> None:
    result.problems.append(ImportProblem(row.line, column, message))
    result.rejects.append((row.line, row.cells, f"{column}: {message}" if column else message))
    result.rejected += 1


def _import_batch(
    batch,
    rows: _RowReader,
    result,
    seen_emails,
    importers,
    *,
    actor,
    update_existing,
    send_welcome_email,
) -> None:
    email_header = _field_header(result.mapping, "email")
    built: list[_Row] = []
    for row in batch:
        try:
            fields = rows.fields(row.cells)
        except _RowError as error:
            _reject(result, row, error.column, error.message)
            continue
        row.status = fields.pop("status", Client.Status.ACTIVE)
        row.extra = fields.pop(EXTRA, {})
        try:
            row.client = client_build(group_checked=True, **fields)
        except ValidationError as error:
            field_name, messages = next(iter(error.message_dict.items()))
            _reject(result, row, _field_header(result.mapping, field_name), messages[0])
            continue
        email = row.client.email.lower()
        if email in seen_emails:
            _reject(result, row, email_header, MSG_DUPLICATE_EMAIL % {"line": seen_emails[email]})
            continue
        seen_emails[email] = row.line
        built.append(row)
    existing = client_ids_by_email(row.client.email for row in built)
    new_rows = []
    for row in built:
        client_id = existing.get(row.client.email.lower())
        if client_id is not None and not update_existing:
            _reject(result, row, email_header, MSG_EMAIL_TAKEN_BY % {"client_id": client_id})
        elif _clean_extra(row, result, importers, new=client_id is None):
            if client_id is None:
                row.client.status = row.status
                new_rows.append(row)
            else:
                _update(row, client_id, result, importers, actor=actor)
    clients_insert(
        clients=[row.client for row in new_rows], actor=actor, send_welcome_email=send_welcome_email
    )
    for importer in importers:
        importer.save_new({row.client.pk: row.extra for row in new_rows})
    result.created += len(new_rows)


def _clean_extra(row: _Row, result: ImportResult, importers, *, new: bool) -> bool:
    """The registered apps' values of ``row`` checked (and kept cleaned); False if rejected."""
    try:
        row.extra = {
            key: value
            for importer in importers
            for key, value in importer.clean(row.extra, new=new).items()
        }
    except ValidationError as error:
        key, messages = next(iter(error.message_dict.items()))
        _reject(result, row, _field_header(result.mapping, key), messages[0])
        return False
    return True


def _update(row: _Row, client_id: int, result: ImportResult, importers, *, actor) -> None:
    fields = {
        name: getattr(row.client, name)
        for name in (key for key in result.mapping.values() if key not in IGNORED_COLUMNS)
        if name != "status" and name in HEADER_ALIASES
    }
    try:
        with transaction.atomic():
            client_update(client_id=client_id, actor=actor, **fields)
            for importer in importers:
                importer.save_existing(client_id, row.extra, actor=actor)
            if "status" in result.mapping.values():
                client_set_status(client_id=client_id, status=row.status, actor=actor)
    except ValidationError as error:
        field_name, messages = next(iter(error.message_dict.items()))
        _reject(result, row, _field_header(result.mapping, field_name), messages[0])
        return
    result.updated += 1


def client_imports_expire() -> int:
    """Clear the files, previews and rejected rows of imports older than
    ``CLIENT_IMPORT_KEEP_HOURS``: people's details from an upload are kept only as long as staff
    need them to confirm it or fix what it refused (an unconfirmed one can no longer be).
    Returns how many imports were cleared."""
    cutoff = timezone.now() - timedelta(hours=settings.CLIENT_IMPORT_KEEP_HOURS)
    stale = ClientImport.objects.filter(created_at__lt=cutoff).filter(
        ~Q(content="") | ~Q(rejects_csv="") | Q(report__has_key="preview")
    )
    stale.filter(status=ClientImport.Status.PREVIEWED).update(status=ClientImport.Status.REFUSED)
    return stale.update(content="", rejects_csv="", report=RawSQL("report - 'preview'", []))


def rejects_csv(result: ImportResult) -> str:
    """The rejected rows as CSV: the file's header and cells, plus the reason."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*result.headers, "Reason"])
    for line, cells, reason in result.rejects:
        writer.writerow([*cells, f"line {line}: {reason}"])
    return out.getvalue()
