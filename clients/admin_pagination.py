"""A paginator for admin lists over very large tables: no exact COUNT(*) of a million rows.

Django's ``Paginator.count`` counts every row of the list on every page (``show_full_result_count
= False`` only drops the admin's second count). At a million clients that count alone costs more
than the rest of the page. The counting rule itself is ``billing_admin.counting``, which the API's
paged actions share.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from billing_admin.bulk_sql import unnest
from billing_admin.counting import EXACT_COUNT_LIMIT, capped_count_with_ids, estimated_count
from clients.selectors import ClientListSearch

# A filtered list of at most this many matches (every exactly counted one) reads its pages by
# their ids, named in the count query's answer: see billing_admin.counting.capped_count_with_ids.
# They reach the page query as one array parameter (``unnest``), so the query compiles as fast
# for 5,000 ids as for one.
NAMED_MATCHES_LIMIT = EXACT_COUNT_LIMIT


class EstimatedCountPaginator(Paginator):
    """Counts a changelist in one cheap query (``estimated_count``).

    Unfiltered: the planner's estimate of the table's rows when it is at least
    ``EXACT_COUNT_LIMIT``. Otherwise (a filter or search, or a small or never analysed table):
    an exact count that stops after ``EXACT_COUNT_LIMIT`` rows; pages then go up to that limit.
    ``count_label`` tells the reader which: "about 1,000,000", "5,000+" or "42".
    """

    count_is_estimate = False
    count_is_capped = False
    # The search when nothing else filters the list (set by the admin): a common word's count
    # and first pages without gathering all its matches.
    search: ClientListSearch | None = None
    # The ids of a filter's few matches, from the count's query; pages then read only those.
    matching_ids: list | None = None

    @staticmethod
    def is_common_search(search: ClientListSearch) -> bool:
        """Whether more clients hold the search's words in their names than the list counts:
        its count stops there without gathering the matches."""
        return search.more_named_than(EXACT_COUNT_LIMIT)

    @cached_property
    def count(self) -> int:
        if self.search is not None and self.is_common_search(self.search):
            self.count_is_capped = True
            return EXACT_COUNT_LIMIT
        if self.object_list.query.has_filters():
            counted, self.matching_ids = capped_count_with_ids(
                self.object_list, limit=EXACT_COUNT_LIMIT, ids_limit=NAMED_MATCHES_LIMIT
            )
        else:
            counted = estimated_count(self.object_list, limit=EXACT_COUNT_LIMIT)
        self.count_is_estimate, self.count_is_capped = counted.estimate, counted.capped
        return counted.value

    def page(self, number):
        number = self.validate_number(number)  # counts first: that finds the matching ids
        if self.matching_ids and self._newest_first():
            # The ids are the matches: the page's own are known without the database sorting
            # every match (and testing each one's search condition again) for fifty rows.
            bottom = (number - 1) * self.per_page
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            page_ids = sorted(self.matching_ids, reverse=True)[bottom:top]
            rows = self.object_list.filter(pk__in=unnest(page_ids, "bigint"))
            return self._get_page(rows, number, self)
        if self.matching_ids:
            # The same rows in the same order; the planner reads them by id instead of walking
            # the whole primary key backwards looking for them.
            self.object_list = self.object_list.filter(pk__in=unnest(self.matching_ids, "bigint"))
            self.matching_ids = None
        elif self.count_is_capped and self.search is not None and self._newest_first():
            last = min(number * self.per_page, self.count)
            newest = self.search.newest_matches(last)
            if newest is not None:
                self.object_list = newest.order_by(*self.object_list.query.order_by)
        return super().page(number)

    def _newest_first(self) -> bool:
        """Whether the list is in its default order, newest client first."""
        return tuple(self.object_list.query.order_by) in (("-pk",), ("-id",))

    @property
    def count_label(self) -> str:
        count = self.count  # sets the flags
        if self.count_is_estimate:
            return f"about {count:,}"
        return f"{count:,}+" if self.count_is_capped else f"{count:,}"
