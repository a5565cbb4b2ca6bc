"""The client list as CSV: the columns staff can choose, and a streamed writer.

A read-side module (no writes): the admin's Export CSV, its list action and ``export_clients``
all stream ``client_csv_lines()`` over a queryset, so memory stays flat however many clients are
exported. The headers are the ones ``clients.services.imports`` reads back, so an export
re-imports unchanged.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from billing_admin.money import format_money
from clients.models import Client

# Rows fetched per round trip of the server-side cursor.
EXPORT_CHUNK_SIZE = 2000
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); a leading
# apostrophe makes it text, and the importer strips it again.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


@dataclass(frozen=True)
class ExportColumn:
    key: str
    header: str
    source: str  # the values() path read from the database
    render: Callable[[Any], str] = _text


EXPORT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("id", "ID", "id"),
    ExportColumn("first_name", "First Name", "first_name"),
    ExportColumn("last_name", "Last Name", "last_name"),
    ExportColumn("company_name", "Company Name", "company_name"),
    ExportColumn("email", "Email", "email"),
    ExportColumn("phone_number", "Phone Number", "phone_number"),
    ExportColumn("address1", "Address 1", "address1"),
    ExportColumn("address2", "Address 2", "address2"),
    ExportColumn("city", "City", "city"),
    ExportColumn("state", "State", "state"),
    ExportColumn("postcode", "Postcode", "postcode"),
    ExportColumn("country", "Country", "country"),
    ExportColumn("currency", "Currency", "currency"),
    ExportColumn("language", "Language", "language"),
    ExportColumn("group", "Group", "group__name"),
    ExportColumn("status", "Status", "status"),
    ExportColumn("credit_balance", "Credit Balance", "credit_balance", format_money),
    ExportColumn("marketing_opt_in", "Marketing Emails", "marketing_opt_in", _yes_no),
    ExportColumn("tax_exempt", "Tax Exempt", "tax_exempt", _yes_no),
    ExportColumn(
        "override_auto_close", "Disable Automatic Status Update", "override_auto_close", _yes_no
    ),
    ExportColumn(
        "created_at",
        "Created",
        "created_at",
        lambda value: timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S"),
    ),
)
COLUMNS_BY_KEY = {column.key: column for column in EXPORT_COLUMNS}
COLUMN_KEYS = tuple(COLUMNS_BY_KEY)
UNKNOWN_COLUMNS = "Unknown columns: %(columns)s. Choose from: %(known)s."


def export_columns(keys: Iterable[str] | None = None) -> list[ExportColumn]:
    """The columns for ``keys`` in the order given (all of them for None); ValueError names
    any unknown key."""
    if keys is None:
        return list(EXPORT_COLUMNS)
    keys = list(keys)
    unknown = [key for key in keys if key not in COLUMNS_BY_KEY]
    if unknown:
        raise ValueError(
            UNKNOWN_COLUMNS % {"columns": ", ".join(unknown), "known": ", ".join(COLUMN_KEYS)}
        )
    return [COLUMNS_BY_KEY[key] for key in keys]


def neutralise_formula(cell: str) -> str:
    return FORMULA_GUARD + cell if cell.startswith(FORMULA_PREFIXES) else cell


class _Line:
    """A file-like target for csv.writer that hands back what was just written."""

    def write(self, text: str) -> str:
        return text


def client_csv_lines(clients: QuerySet[Client], columns: list[ExportColumn]) -> Iterator[str]:
    """The header, then one CSV line per client in id order, read through a server-side cursor
    in chunks: nothing holds more than a chunk of rows."""
    writer = csv.writer(_Line())
    yield writer.writerow([column.header for column in columns])
    rows = (
        clients.order_by("pk")
        .values_list(*(column.source for column in columns))
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    renderers = [column.render for column in columns]
    for row in rows:
        yield writer.writerow(
            [
                neutralise_formula(render(value))
                for render, value in zip(renderers, row, strict=True)
            ]
        )
