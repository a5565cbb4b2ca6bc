"""Reads for the transactions ledger."""

import re

from django.contrib.postgres.search import SearchQuery
from django.db.models import Q, QuerySet

from billing_admin.money import currency_totals
from transactions.models import TEXT_SEARCH_VECTOR, Transaction

SEARCH_WORD = re.compile(r"\w+")


def transaction_list() -> QuerySet[Transaction]:
    """The Transactions tab's rows: the client is shown, so it is joined in."""
    return Transaction.objects.select_related("client")


def transaction_totals(queryset: QuerySet[Transaction]) -> list[dict]:
    """Totals of ``queryset`` per currency, in one aggregate query."""
    return currency_totals(queryset, Transaction.AMOUNT_FIELDS)


def transactions_search(queryset: QuerySet[Transaction], term: str) -> QuerySet[Transaction]:
    """What the Transactions tab's search box matches, each branch served by an index.

    The term matches the transaction ID exactly or the client email by prefix (any case); its
    words all match words of the description, client name or company by prefix (full-text), so
    "Carol Smi" finds Carol Smith's transactions.
    """
    term = term.strip()
    condition = Q(transaction_id__iexact=term) | Q(client_email__istartswith=term)
    words = SEARCH_WORD.findall(term)
    if words:
        # Only \w characters reach the raw tsquery, so input cannot break its syntax.
        prefix_query = " & ".join(f"{word}:*" for word in words)
        condition |= Q(text_search=SearchQuery(prefix_query, search_type="raw", config="simple"))
    return queryset.alias(text_search=TEXT_SEARCH_VECTOR).filter(condition)
