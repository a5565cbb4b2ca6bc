"""Reads for the transactions ledger."""

from django.db.models import Count, Q, QuerySet, Sum

from transactions.models import Transaction


def transaction_list() -> QuerySet[Transaction]:
    """The Transactions tab's rows: the client is shown, so it is joined in."""
    return Transaction.objects.select_related("client")


def transaction_totals(queryset: QuerySet[Transaction]) -> list[dict]:
    """Totals of ``queryset`` per currency, in one aggregate query.

    Amounts in different currencies are never added up together.
    """
    return list(
        queryset.order_by("currency")
        .values("currency")
        .annotate(
            count=Count("pk"),
            amount_in=Sum("amount_in"),
            fees=Sum("fees"),
            amount_out=Sum("amount_out"),
        )
    )


def transactions_search(queryset: QuerySet[Transaction], term: str) -> QuerySet[Transaction]:
    """The whole term (not word by word, so "Carol Smith" finds her): the transaction ID exactly,
    the client snapshot's name, email or company by prefix (UPPER pattern indexes), or a
    substring of the description."""
    term = term.strip()
    return queryset.filter(
        Q(transaction_id__iexact=term)
        | Q(client_name__istartswith=term)
        | Q(client_email__istartswith=term)
        | Q(client_company__istartswith=term)
        | Q(description__icontains=term)
    )
