"""Our client list beside the stock admin's (bench.stock_admin), same dataset, same run.

The ratio column is ours / stock: below 1 our page is faster. The stock list has no raw-SQL
baseline of its own; it is the baseline.
"""

from django.urls import reverse

from bench.harness import Result
from bench.operations import Context, _get, guarded

PAGES = {
    "stock-list": ("page 1", ""),
    "stock-search-email": ("search by email start", "?q=olivia.smith10"),
    "stock-search-name": ("search by surname", "?q=Castillo"),
    "stock-filtered": ("filtered (Inactive, DE)", "?status__exact=Inactive&country__exact=DE"),
}


def _compare(ctx: Context, label: str, query: str) -> Result:
    ours = reverse("admin:clients_client_changelist") + query
    stock = reverse("stock:clients_client_changelist") + query
    result = Result(operation=f"client list {label}: ours vs stock admin", target="ours / stock")
    result.ours_ms, result.queries, result.baseline_ms, result.baseline_queries = ctx.timer.compare(
        _get(ctx.http, ours), _get(ctx.http, stock)
    )
    return result


def _operation(label: str, query: str):
    @guarded
    def operation(ctx: Context) -> Result:
        return _compare(ctx, label, query)

    operation.__doc__ = f"client list {label}: ours vs stock admin"
    return operation


STOCK_OPERATIONS = {name: _operation(label, query) for name, (label, query) in PAGES.items()}
