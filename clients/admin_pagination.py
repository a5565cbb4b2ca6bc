"""A paginator for admin lists over very large tables: no exact COUNT(*) of a million rows.

Django's ``Paginator.count`` counts every row of the list on every page (``show_full_result_count
= False`` only drops the admin's second count). At a million clients that count alone costs more
than the rest of the page.
"""

from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property

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


class EstimatedCountPaginator(Paginator):
    """Counts a changelist in one cheap query.

    Unfiltered: the planner's estimate of the table's rows when it is at least
    ``EXACT_COUNT_LIMIT``. Otherwise (a filter or search, or a small or never analysed table):
    an exact count that stops after ``EXACT_COUNT_LIMIT`` rows; pages then go up to that limit.
    ``count_label`` tells the reader which: "about 1,000,000", "5,000+" or "42".
    """

    count_is_estimate = False
    count_is_capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        capped = queryset.values("pk").order_by()[: EXACT_COUNT_LIMIT + 1]
        if queryset.query.has_filters():
            count = capped.count()
        else:
            capped_sql, params = capped.query.sql_with_params()
            connection = connections[queryset.db]
            table = connection.ops.quote_name(queryset.model._meta.db_table)
            with connection.cursor() as cursor:
                cursor.execute(
                    ESTIMATE_OR_CAPPED_COUNT_SQL.format(capped=capped_sql),
                    [EXACT_COUNT_LIMIT, *params, table],
                )
                estimate, count = cursor.fetchone()
            if count is None:
                self.count_is_estimate = True
                return estimate
        if count > EXACT_COUNT_LIMIT:
            self.count_is_capped = True
            return EXACT_COUNT_LIMIT
        return count

    @property
    def count_label(self) -> str:
        count = self.count  # sets the flags
        if self.count_is_estimate:
            return f"about {count:,}"
        return f"{count:,}+" if self.count_is_capped else f"{count:,}"
