"""The client list as CSV: the columns staff can choose, and a streamed writer.

A read-side module (no writes): the admin's Export CSV, its list action and ``export_clients``
all stream ``client_csv_chunks()`` over a queryset. PostgreSQL writes the CSV itself (``COPY
... TO STDOUT``), one keyset chunk of clients at a time, so the export runs at the speed of COPY
and memory holds one chunk however many clients there are. The headers are the ones
``clients.services.imports`` reads back, so an export re-imports unchanged.
"""

import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from clients.models import Client

# Clients written per COPY: large enough for COPY's speed, small enough to stream steadily.
EXPORT_CHUNK_SIZE = 10_000
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection); a leading
# apostrophe makes it text, and the importer strips it again.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
_SQL_PREFIXES = "'=', '+', '-', '@', E'\\t', E'\\r'"


def guarded_text(column: str) -> str:
    """A text column as SQL, with the formula guard applied."""
    return (
        f"CASE WHEN left({column}, 1) IN ({_SQL_PREFIXES}) "
        f"THEN '{FORMULA_GUARD}{FORMULA_GUARD}' || {column} ELSE {column} END"
    )


def _yes_no(column: str) -> str:
    return f"CASE WHEN {column} THEN 'Yes' ELSE 'No' END"


@dataclass(frozen=True)
class ExportColumn:
    key: str
    header: str
    # Over clients_client c LEFT JOIN clients_clientgroup g; a %s in it is the site's time zone.
    sql: str
    # A LEFT JOIN the column reads from (at most one row a client), named apart from every
    # other column's: a correlated subquery would run once a client for each use in ``sql``.
    join: str = ""


EXPORT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("id", "ID", "c.id"),
    ExportColumn("first_name", "First Name", guarded_text("c.first_name")),
    ExportColumn("last_name", "Last Name", guarded_text("c.last_name")),
    ExportColumn("company_name", "Company Name", guarded_text("c.company_name")),
    ExportColumn("email", "Email", guarded_text("c.email")),
    ExportColumn("phone_number", "Phone Number", guarded_text("c.phone_number")),
    ExportColumn("address1", "Address 1", guarded_text("c.address1")),
    ExportColumn("address2", "Address 2", guarded_text("c.address2")),
    ExportColumn("city", "City", guarded_text("c.city")),
    ExportColumn("state", "State", guarded_text("c.state")),
    ExportColumn("postcode", "Postcode", guarded_text("c.postcode")),
    ExportColumn("country", "Country", "c.country"),
    ExportColumn("currency", "Currency", "c.currency"),
    ExportColumn("language", "Language", "c.language"),
    ExportColumn("group", "Group", guarded_text("g.name")),
    ExportColumn("status", "Status", "c.status"),
    ExportColumn("credit_balance", "Credit Balance", "c.credit_balance::text"),
    ExportColumn("marketing_opt_in", "Marketing Emails", _yes_no("c.marketing_opt_in")),
    ExportColumn("tax_exempt", "Tax Exempt", _yes_no("c.tax_exempt")),
    ExportColumn(
        "override_auto_close",
        "Disable Automatic Status Update",
        _yes_no("c.override_auto_close"),
    ),
    ExportColumn(
        "created_at",
        "Created",
        "to_char(c.created_at AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')",
    ),
)
COLUMN_KEYS = tuple(column.key for column in EXPORT_COLUMNS)
UNKNOWN_COLUMNS = "Unknown columns: %(columns)s. Choose from: %(known)s."

# Apps above clients that add columns (custom fields): each registers an object, at ready(),
# with ``export_columns()`` and the import side (see clients.services.imports.CsvExtension).
CSV_EXTENSIONS: list = []


def register_csv_extension(extension) -> None:
    CSV_EXTENSIONS.append(extension)


def available_columns() -> list[ExportColumn]:
    """The profile columns, then the registered apps' columns as they are defined now."""
    return [*EXPORT_COLUMNS, *(c for ext in CSV_EXTENSIONS for c in ext.export_columns())]


def column_label(key: str) -> str:
    """The header a column key is exported under (the key itself if no column has it)."""
    return next((column.header for column in available_columns() if column.key == key), key)


def export_columns(keys: Iterable[str] | None = None) -> list[ExportColumn]:
    """The columns for ``keys`` in the order given (all of them for None); ValueError names
    any unknown key."""
    available = {column.key: column for column in available_columns()}
    if keys is None:
        return list(available.values())
    keys = list(keys)
    unknown = [key for key in keys if key not in available]
    if unknown:
        raise ValueError(
            UNKNOWN_COLUMNS % {"columns": ", ".join(unknown), "known": ", ".join(available)}
        )
    return [available[key] for key in keys]


def neutralise_formula(cell: str) -> str:
    return FORMULA_GUARD + cell if cell.startswith(FORMULA_PREFIXES) else cell


def _id_range(column: str, after: int, upto: int | None) -> tuple[str, list[int]]:
    """``column`` above ``after`` and, unless None, at most ``upto``: SQL and its parameters."""
    if upto is None:
        return f"{column} > %s", [after]
    return f"{column} > %s AND {column} <= %s", [after, upto]


def client_csv_chunks(clients: QuerySet[Client], columns: list[ExportColumn]) -> Iterator[str]:
    """The CSV in pieces: the header, then the clients in id order, ``EXPORT_CHUNK_SIZE`` at a
    time. Each chunk is one query for its last id and one COPY of the rows up to it."""
    selection, selection_params = clients.order_by().values("pk").query.sql_with_params()
    select_list = ", ".join(column.sql for column in columns)
    joins = " ".join(column.join for column in columns if column.join)
    select_params = [settings.TIME_ZONE] * select_list.count("%s")
    yield ",".join(f'"{column.header}"' for column in columns) + "\n"
    last_id = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id FROM ({selection}) AS chosen(id) WHERE id > %s "
                "ORDER BY id OFFSET %s LIMIT 1",
                [*selection_params, last_id, EXPORT_CHUNK_SIZE - 1],
            )
            boundary = cursor.fetchone()
            upper = None if boundary is None else boundary[0]
            # The id range stands inside the selection too: outside alone, each chunk's join
            # walked the selection from its first id, so a chunk cost more the later it came.
            chosen, chosen_params = _id_range("id", last_id, upper)
            rows, rows_params = _id_range("c.id", last_id, upper)
            query = (
                f"SELECT {select_list} FROM clients_client c "
                f"LEFT JOIN clients_clientgroup g ON g.id = c.group_id {joins} "
                f"WHERE c.id IN (SELECT id FROM ({selection}) AS chosen(id) WHERE {chosen}) "
                f"AND {rows}"
            )
            params = [*select_params, *selection_params, *chosen_params, *rows_params]
            # COPY takes no parameters: psycopg2 binds them into the text (quoted, escaped).
            bound = cursor.mogrify(f"{query} ORDER BY c.id", params).decode()
            chunk = io.StringIO()
            cursor.copy_expert(f"COPY ({bound}) TO STDOUT WITH (FORMAT csv)", chunk)
            yield chunk.getvalue()
            if boundary is None:
                return
            last_id = boundary[0]
