"""A paginator for admin lists over very large tables: no exact COUNT(*) of a million rows.

Django's ``Paginator.count`` counts every row of the list on every page (``show_full_result_count
= False`` only drops the admin's second count). At a million clients that count alone costs more
than the rest of the page. The counting rule itself is ``billing_admin.counting``, which the API's
paged actions share.
"""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

from billing_admin.counting import EXACT_COUNT_LIMIT, estimated_count


class EstimatedCountPaginator(Paginator):
    """Counts a changelist in one cheap query (``estimated_count``).

    Unfiltered: the planner's estimate of the table's rows when it is at least
    ``EXACT_COUNT_LIMIT``. Otherwise (a filter or search, or a small or never analysed table):
    an exact count that stops after ``EXACT_COUNT_LIMIT`` rows; pages then go up to that limit.
    ``count_label`` tells the reader which: "about 1,000,000", "5,000+" or "42".
    """

    count_is_estimate = False
    count_is_capped = False

    @cached_property
    def count(self) -> int:
        counted = estimated_count(self.object_list, limit=EXACT_COUNT_LIMIT)
        self.count_is_estimate, self.count_is_capped = counted.estimate, counted.capped
        return counted.value

    @property
    def count_label(self) -> str:
        count = self.count  # sets the flags
        if self.count_is_estimate:
            return f"about {count:,}"
        return f"{count:,}+" if self.count_is_capped else f"{count:,}"
