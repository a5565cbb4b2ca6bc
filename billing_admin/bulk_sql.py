"""Set-based SQL building blocks for the bulk paths (daily invoice generation, bulk status,
selections of many ids): COPY, id reservation from a sequence, and ``unnest`` of array
parameters. Column lists come from the models' ``_meta``, so a new field cannot be missed by a
hand-kept list: a row of the wrong length is refused before anything is sent.
"""

import io
from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models.expressions import RawSQL

# COPY's text format: NULL, and escapes for the backslash and the row and column separators.
COPY_NULL = "\\N"
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def model_columns(model: type[models.Model], *, omit: Iterable[str] = ()) -> list[str]:
    """The model's database columns in field order, less the fields named in ``omit``."""
    omit = set(omit)
    return [field.column for field in model._meta.concrete_fields if field.name not in omit]


def copy_text(value: str) -> str:
    """Free text (a description, a username) as a COPY value."""
    return value.translate(COPY_ESCAPES)


def copy_rows(model: type[models.Model], columns: Sequence[str], rows: list[tuple]) -> None:
    """Write rows with one COPY: the bulk path ships data ~3x faster than a multi-row INSERT
    and builds no model instances. Constraints, indexes and FK triggers all still apply.

    Rows hold COPY-ready values in ``columns`` order, so each row is one C-level
    ``join(map(str, row))`` instead of a Python call per value (a third of the formatting time):
    free text goes through ``copy_text``, None is ``COPY_NULL``; str() of the rest is what
    PostgreSQL reads (ints, Decimals, dates, datetimes with their offset, False, and choice
    values, which hold no separator)."""
    if rows and len(rows[0]) != len(columns):
        raise ValueError(f"{model.__name__} rows have {len(rows[0])} values for {len(columns)}")
    data = "".join("\t".join(map(str, row)) + "\n" for row in rows)
    # psycopg2's COPY API (the pinned driver) bypasses Django's cursor wrapper: translate its
    # errors into django.db's ourselves, so an IntegrityError is the one callers expect.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.copy_expert(
            f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", io.StringIO(data)
        )


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Take ``count`` ids from the table's sequence, so rows can be copied in with their ids."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [model._meta.db_table, model._meta.pk.column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def array_literal(values: Iterable) -> str:
    """A PostgreSQL array literal of ints or dates (neither needs quoting); None is NULL.

    PostgreSQL reads it with one array_in call, where a VALUES list of thousands of rows is
    parsed row by row (~40% slower in the generation benchmark)."""
    return "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"


def unnest(values: Iterable, sql_type: str) -> RawSQL:
    """``SELECT unnest(%s::<type>[])`` as a subquery: one parameter for any number of values,
    so ``pk__in=unnest(ids, "bigint")`` is one plan however long the selection."""
    return RawSQL(f"SELECT unnest(%s::{sql_type}[])", (list(values),))
