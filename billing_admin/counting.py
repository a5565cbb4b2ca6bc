"""Counting the rows of a list over a very large table without an exact COUNT(*) of a million rows.

One rule for every list that must not count the whole table on every page: the admin's client
and contact lists (``clients.admin_pagination``) and the API's paged Get* actions
(``api.selectors.page_of``). At a million clients an exact count alone costs more than the rest
of the page.
"""

from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet

# Up to this many rows are counted exactly; past it a filtered list shows "5,000+" and the
# unfiltered list trusts the planner's estimate.
EXACT_COUNT_LIMIT = 5_000

# The unfiltered list: the table's row estimate, kept by ANALYZE and autovacuum. Before the first
# ANALYZE it is -1 (0 on old servers), so a small or unknown estimate counts exactly (capped); the
# uncorrelated subquery runs only when its CASE branch is taken, so this is always one query.
ESTIMATE_OR_CAPPED_COUNT_SQL = """
    SELECT reltuples::bigint,
           CASE WHEN reltuples < %s THEN (SELECT count(*) FROM ({capped}) AS capped) END
    FROM pg_class WHERE oid = %s::regclass
"""


@dataclass(frozen=True)
class RowCount:
    """``value`` rows: exact, the planner's estimate of the whole table (``estimate``), or, for a
    filter, ``limit`` standing for "more than ``limit``" (``capped``)."""

    value: int
    estimate: bool = False
    capped: bool = False

    @property
    def exact(self) -> bool:
        return not (self.estimate or self.capped)


def estimated_count(queryset: QuerySet, *, limit: int | None = None) -> RowCount:
    """The rows of ``queryset`` in one cheap query.

    Unfiltered: the planner's estimate of the table's rows when it is at least ``limit``
    (default ``EXACT_COUNT_LIMIT``). Otherwise (a filter or search, or a small or never analysed
    table): an exact count that stops after ``limit`` rows.
    """
    limit = EXACT_COUNT_LIMIT if limit is None else limit
    capped = queryset.values("pk").order_by()[: limit + 1]
    if queryset.query.has_filters():
        count = capped.count()
    else:
        capped_sql, params = capped.query.sql_with_params()
        connection = connections[queryset.db]
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                ESTIMATE_OR_CAPPED_COUNT_SQL.format(capped=capped_sql), [limit, *params, table]
            )
            estimate, count = cursor.fetchone()
        if count is None:
            return RowCount(estimate, estimate=True)
    if count > limit:
        return RowCount(limit, capped=True)
    return RowCount(count)


# A filtered list's capped count, and when there are few matches their ids too, in one query.
CAPPED_COUNT_WITH_IDS_SQL = """
    SELECT count(*), CASE WHEN count(*) <= %s THEN array_agg(capped_id) END
    FROM ({capped}) AS capped(capped_id)
"""


def capped_count_with_ids(
    queryset: QuerySet, *, limit: int | None = None, ids_limit: int
) -> tuple[RowCount, list | None]:
    """A filtered ``queryset``'s exact count capped at ``limit`` rows (as ``estimated_count``
    counts a filter), and the primary keys of its rows when there are at most ``ids_limit``
    of them (else None), still one query.

    For a page of few matches: ``ORDER BY id DESC LIMIT 50`` over a condition the planner
    thinks matches a few hundred rows is planned as a backward walk of the primary key that
    tests every row, fine when the matches are spread through the table and 88,000 rows
    (60 ms at 100,000 clients, ten times that at a million) when they are the oldest clients,
    as a search by a custom field or an old client's name finds them. Naming the ids lets the
    page read just them (the admin's client list: ``clients.admin_pagination``).
    """
    limit = EXACT_COUNT_LIMIT if limit is None else limit
    capped_sql, params = queryset.values("pk").order_by()[: limit + 1].query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(CAPPED_COUNT_WITH_IDS_SQL.format(capped=capped_sql), [ids_limit, *params])
        count, ids = cursor.fetchone()
    if count > limit:
        return RowCount(limit, capped=True), None
    return RowCount(count), ids
