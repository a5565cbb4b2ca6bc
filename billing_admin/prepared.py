"""ORM reads compiled to SQL once and run again with new values, for the hottest small reads.

A small read (one client by id, its custom fields) costs the database a tenth of a millisecond;
compiling its queryset costs Django ten times that, on every call (GetClientsDetails spent 2 ms
of its 6 compiling one query, bench --api at 100,000 clients). ``PreparedRead`` keeps the query
written once, in the ORM, where its rules live (a selector's expressions), and pays the compile
once per process. ``execute_prepared`` goes one step further for the hottest writes: a
statement the server itself parses and plans once per connection.
"""

import itertools
import re
import weakref
from collections.abc import Callable

from django.db.models import QuerySet
from django.db.models.query import RawQuerySet

# Sample values for a build's placeholders: no real row has this id (ids are positive; it is
# within every integer column's range, so no lookup refuses it) or this text.
PLACEHOLDER_ID = -2_000_000_001
PLACEHOLDER_TEXT = "\x1fplaceholder\x1f"


class PreparedRead:
    """``PreparedRead(build, *placeholders)``: ``build(*placeholders)`` is the queryset, built
    with distinctive sample values (an int or a str each) where the real values go; ``run(*values)``
    is that query with ``values`` in their places, as a ``RawQuerySet`` of its model (columns
    and annotations become attributes by name, with the database converters applied).

    Each placeholder must reach the SQL as a parameter unchanged (a value the build transforms,
    say with ``.lower()``, is refused when first compiled: pass the transformed value instead).
    A build that reads the clock or settings is frozen at its first compile: not for those.
    """

    def __init__(self, build: Callable[..., QuerySet], *placeholders: int | str):
        self._build = build
        self._placeholders = placeholders
        self._compiled: tuple[QuerySet, str, list] | None = None

    def _compile(self) -> tuple[QuerySet, str, list]:
        queryset = self._build(*self._placeholders)
        sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
        slots = []
        for param in params:
            slot = next(
                (
                    number
                    for number, placeholder in enumerate(self._placeholders)
                    if type(param) is type(placeholder) and param == placeholder
                ),
                None,
            )
            slots.append((slot, param))
        missing = set(range(len(self._placeholders))) - {slot for slot, _ in slots}
        if missing:
            raise ValueError(f"placeholders {sorted(missing)} do not reach the SQL unchanged")
        return queryset, sql, slots

    def run(self, *values: int | str) -> RawQuerySet:
        if self._compiled is None:
            self._compiled = self._compile()
        queryset, sql, slots = self._compiled
        params = [values[slot] if slot is not None else fixed for slot, fixed in slots]
        return RawQuerySet(sql, model=queryset.model, params=params, using=queryset.db)


# Server-side prepared statements: which names each open connection (the driver's own object,
# which lives as long as the server session) has PREPAREd.
_SERVER_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PARAMETER = re.compile(r"%(%|s)")


def execute_prepared(cursor, name: str, sql: str, params: list) -> None:
    """Run ``sql`` (Django's ``%s`` placeholders) on ``cursor`` as the server-side prepared
    statement ``name``: PREPAREd on the cursor's connection the first time, then EXECUTEd, so
    PostgreSQL parses and plans it once per connection instead of on every call.

    For the hottest writes (Add Credit's lock and write: planning them cost the 8-worker bench
    a sixth of its throughput). The PREPARE goes through the driver's own cursor, not Django's,
    so query logs and counts see one statement a call whichever call is first. A prepared
    statement outlives a rolled-back transaction and ends with its connection; a pooler that
    resets server sessions between transactions (PgBouncer's transaction mode) is not supported.
    """
    prepared = _SERVER_PREPARED.setdefault(cursor.db.connection, set())
    if name not in prepared:
        numbers = itertools.count(1)
        server_sql = _PARAMETER.sub(
            lambda match: "%" if match.group(1) == "%" else f"${next(numbers)}", sql
        )
        with cursor.db.wrap_database_errors:  # Django's exceptions, as for any statement
            cursor.cursor.execute(f"PREPARE {name} AS {server_sql}")
        prepared.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
