"""Reads the API needs that no other app offers: GetClients' search and a client's statistics
(GetClientsDetails)."""

import re

from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Concat, Lower
from django.utils import timezone

from api.protocol import money
from billing_admin.money import ZERO
from clients.models import NAME_SEARCH_VECTOR, Client
from invoices.models import BALANCE_DUE, ClientService, Invoice
from invoices.selectors import OPEN_INVOICES
from transactions.models import Transaction

# GetClientsDetails stats key -> the invoice status it counts.
INVOICE_COUNTS = {
    "numpaidinvoices": Invoice.Status.PAID,
    "numunpaidinvoices": Invoice.Status.UNPAID,
    "numcancelledinvoices": Invoice.Status.CANCELLED,
    "numrefundedinvoices": Invoice.Status.REFUNDED,
    "numcollectionsinvoices": Invoice.Status.COLLECTIONS,
    "numpaymentpendinginvoices": Invoice.Status.PAYMENT_PENDING,
    "numDraftInvoices": Invoice.Status.DRAFT,
}


# A run of letters or digits: what PostgreSQL's text-search parser starts a word with.
ALPHANUMERIC_RUN = re.compile(r"[^\W_]+")


def clients_matching_start(queryset: QuerySet[Client], term: str) -> QuerySet[Client]:
    """GetClients' ``search``: the term starts the email, first name, last name, "first last"
    or company name, case-insensitively. Each arm of the OR is served by a clients index.

    The email by its ``lower(email)`` pattern index. The names by the full-text GIN index on
    first, last and company name: a name that starts with the term has a word starting with the
    term's first run of letters or digits, so that prefix query finds every candidate, and the
    exact start-of-field test then filters them. A term with no letter or digit cannot use the
    word index; its names arm is the exact test alone.
    """
    prefix = term.lower()
    names = (
        Q(first_name_lower__startswith=prefix)
        | Q(last_name_lower__startswith=prefix)
        | Q(full_name_lower__startswith=prefix)
        | Q(company_name_lower__startswith=prefix)
    )
    first_word = ALPHANUMERIC_RUN.search(term)
    if first_word:
        # Only letters and digits reach the raw tsquery, so input cannot break its syntax.
        word_prefix = SearchQuery(f"{first_word.group()}:*", search_type="raw", config="simple")
        names &= Q(name_search=word_prefix)
    return queryset.alias(
        email_lower=Lower("email"),
        name_search=NAME_SEARCH_VECTOR,
        first_name_lower=Lower("first_name"),
        last_name_lower=Lower("last_name"),
        full_name_lower=Lower(Concat("first_name", Value(" "), "last_name")),
        company_name_lower=Lower("company_name"),
    ).filter(Q(email_lower__startswith=prefix) | names)


def client_stats(client: Client) -> dict:
    """WHMCS's client statistics in three aggregate queries (invoices, services, income)."""
    today = timezone.localdate()
    due = OPEN_INVOICES
    overdue = due & Q(due_date__lt=today)
    invoices = Invoice.objects.filter(client=client).aggregate(
        numdueinvoices=Count("pk", filter=due),
        dueinvoicesbalance=Coalesce(Sum(BALANCE_DUE, filter=due), ZERO),
        numoverdueinvoices=Count("pk", filter=overdue),
        overdueinvoicesbalance=Coalesce(Sum(BALANCE_DUE, filter=overdue), ZERO),
        **{key: Count("pk", filter=Q(status=status)) for key, status in INVOICE_COUNTS.items()},
    )
    services = ClientService.objects.filter(client=client).aggregate(
        productsnumactive=Count("pk", filter=Q(status=ClientService.Status.ACTIVE)),
        productsnumtotal=Count("pk"),
    )
    income = Transaction.objects.filter(client=client).aggregate(
        gross=Coalesce(Sum("amount_in"), ZERO),
        net=Coalesce(Sum(F("amount_in") - F("fees") - F("amount_out")), ZERO),
    )
    suffix = f" {client.currency}"
    return {
        **invoices,
        "dueinvoicesbalance": money(invoices["dueinvoicesbalance"]) + suffix,
        "overdueinvoicesbalance": money(invoices["overdueinvoicesbalance"]) + suffix,
        **services,
        "incredit": client.credit_balance > ZERO,
        "creditbalance": money(client.credit_balance) + suffix,
        "grossRevenue": money(income["gross"]) + suffix,
        "income": money(income["net"]) + suffix,
    }
