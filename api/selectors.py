"""Reads the API's actions make: the lookups and lists of each action, in WHMCS's order and
filters, and what no other app offers (a client's statistics); GetClients' search is the
clients app's (``clients_matching_start``), beside the list's own. The actions parse and
format; every query they run is here."""

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from api.protocol import money
from billing_admin.counting import estimated_count
from billing_admin.money import ZERO
from billing_admin.prepared import PLACEHOLDER_ID, PLACEHOLDER_TEXT, PreparedRead
from clients.models import Client, ClientGroup, Contact
from clients.selectors import ALPHANUMERIC_RUN, clients_matching_start, notes_text
from credits.models import CreditEntry
from invoices.models import BALANCE_DUE, ClientService, Invoice
from invoices.selectors import OPEN_INVOICES, invoices_overdue
from merges.selectors import answering_client_id
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


def page_of(queryset: QuerySet, *, start: int, limit: int) -> tuple[list, int]:
    """One page of a Get* list and its ``totalresults``: rows ``start`` to ``start + limit`` of
    ``queryset`` (ordered; a values() or values_list() query selects only what the answer shows),
    read with one row more to learn whether any follow.

    ``totalresults`` is how many rows match, as WHMCS means it, counted the cheapest way that
    keeps its use for paging exact:

    - a page that reaches the end of the list knows it without counting: ``start`` plus the
      rows returned;
    - a filtered list (a client's invoices, a search, a status) is counted exactly: its count is
      served by the same index as its rows;
    - a page of the whole, unfiltered table before its last page gets the admin list's count
      (``billing_admin.counting.estimated_count``): exact up to ``EXACT_COUNT_LIMIT`` rows, past
      that the planner's estimate of the table (the admin's "about 1,000,000"), raised to at
      least ``start + numreturned + 1`` so that it always says more rows follow when they do;
    - past the end (no rows returned) the count is exact.

    A caller paging until ``start + numreturned >= totalresults`` (or until a short page) reads
    every row and stops at the exact end; only the figure shown on an intermediate page of the
    whole table may be an estimate.
    """
    rows = list(_rows(queryset, start, limit + 1))
    more = len(rows) > limit
    del rows[limit:]
    returned = len(rows)
    if not more and (returned or not start):
        return rows, start + returned
    if returned and not queryset.query.has_filters():
        counted = estimated_count(queryset)
        total = counted.value if counted.exact else max(counted.value, start + returned + 1)
        return rows, total
    return rows, queryset.count()


# Below this many rows skipped, a plain OFFSET costs a few milliseconds at most.
DEEP_PAGE_START = 10_000


def _rows(queryset: QuerySet, start: int, count: int) -> QuerySet:
    """Rows ``start`` to ``start + count`` of ``queryset``, in its order.

    An OFFSET reads every row it skips: a sync tool paging through a million clients 1,000 at
    a time reads half a billion rows, each from the table. Deep in a list, the rows skipped are
    counted on their ids alone (in the default order, the primary key's index without the
    table) and only the page's rows are read."""
    if start < DEEP_PAGE_START:
        return queryset[start : start + count]
    return queryset.filter(pk__in=queryset.values_list("pk", flat=True)[start : start + count])


def _ordered(queryset: QuerySet, order_field: str, *, descending: bool) -> QuerySet:
    """WHMCS's orderby, with the id as tie-breaker so pages never overlap."""
    sign = "-" if descending else ""
    return queryset.order_by(f"{sign}{order_field}", f"{sign}id")


def client_or_none(client_id: int) -> Client | None:
    return Client.objects.filter(pk=client_id).first()


def client_exists(client_id: int) -> bool:
    return Client.objects.filter(pk=client_id).exists()


def _with_email(clients: QuerySet[Client], email: str) -> QuerySet[Client]:
    """lower(email) equality is what the case-insensitive unique index on email serves."""
    return clients.alias(email_lower=Lower("email")).filter(email_lower=email.lower())


def client_id_by_email(email: str) -> int | None:
    return _with_email(Client.objects.all(), email).values_list("pk", flat=True).first()


def _client_details(clients: QuerySet[Client]) -> QuerySet[Client]:
    return clients.annotate(notes_text=notes_text(OuterRef("pk")))[:1]


# Compiled once (billing_admin.prepared): the ORM took 2 ms to compile this query per call.
_CLIENT_DETAILS_BY_ID = PreparedRead(
    lambda client_id: _client_details(Client.objects.filter(pk=answering_client_id(client_id))),
    PLACEHOLDER_ID,
)
# Run with the email already lower-cased: _with_email's .lower() leaves the placeholder as is.
_CLIENT_DETAILS_BY_EMAIL = PreparedRead(
    lambda email: _client_details(_with_email(Client.objects.all(), email)), PLACEHOLDER_TEXT
)


def client_details(*, client_id: int | None = None, email: str = "") -> Client | None:
    """GetClientsDetails' client, with its notes log as ``notes_text``, in one query: by id,
    following a merge as every API read does (``client_id_param``, here folded into the query
    by ``answering_client_id``), or by email. None when there is no such client."""
    if client_id is not None:
        clients = _CLIENT_DETAILS_BY_ID.run(client_id)
    else:
        clients = _CLIENT_DETAILS_BY_EMAIL.run(email.lower())
    return next(iter(clients), None)


def client_list(*, status: str, search: str, order_field: str, descending: bool):
    """GetClients: optionally one status and a search, in the asked order."""
    clients = Client.objects.all()
    if status:
        clients = clients.filter(status=status)
    if search:
        clients = clients_matching_start(clients, search)
    return _ordered(clients, order_field, descending=descending)


def client_group_or_none(group_id: int) -> ClientGroup | None:
    return ClientGroup.objects.filter(pk=group_id).first()


def client_groups() -> QuerySet[ClientGroup]:
    return ClientGroup.objects.order_by("pk")


def staff_user_exists(user_id: int) -> bool:
    return get_user_model().objects.filter(pk=user_id, is_staff=True).exists()


def client_credit_log(client_id: int) -> QuerySet[CreditEntry]:
    """GetCredits lists a client's credit oldest first."""
    return CreditEntry.objects.filter(client_id=client_id).order_by("date", "pk")


def invoice_with_client_or_none(invoice_id: int) -> Invoice | None:
    return Invoice.objects.select_related("client").filter(pk=invoice_id).first()


def invoice_list(
    *, client_id: int | None, status: str, overdue: bool, order_field: str, descending: bool
):
    """GetInvoices: optionally one client's, one status or the overdue ones, in the asked order.
    The rows name who each invoice was issued to from its own snapshot: no join to the client."""
    invoices = Invoice.objects.all()
    if client_id is not None:
        invoices = invoices.filter(client_id=client_id)
    if overdue:
        invoices = invoices_overdue(invoices)
    elif status:
        invoices = invoices.filter(status=status)
    return _ordered(invoices, order_field, descending=descending)


def transaction_or_none(transaction_pk: int) -> Transaction | None:
    return Transaction.objects.filter(pk=transaction_pk).first()


def transaction_list(
    *, invoice_id: int | None, client_id: int | None, transaction_id: str | None
) -> QuerySet[Transaction]:
    """GetTransactions, oldest first. The client is matched by the snapshot id, which keeps a
    deleted client's transactions findable by its old id."""
    transactions = Transaction.objects.all()
    if invoice_id is not None:
        transactions = transactions.filter(invoice_id=invoice_id)
    if client_id is not None:
        transactions = transactions.filter(client_snapshot_id=client_id)
    if transaction_id is not None:
        transactions = transactions.filter(transaction_id=transaction_id)
    return transactions.order_by("id")


# Contact fields the contacts' word index covers: GetContacts narrows by it before the exact test.
CONTACT_WORD_FIELDS = ("first_name", "last_name", "company_name")


def contact_list(*, client_id: int | None, exact: dict[str, str]) -> QuerySet[Contact]:
    """GetContacts: contacts matching every filter, ``exact`` being Contact field -> value
    (equal ignoring case). ``client_id`` and the email use the (client, lower(email)) and
    lower(email) indexes, the name and company filters the contacts' word index (a name equal to
    the filter has a word starting with its first word); the address and phone filters narrow
    what those select, or alone read the table."""
    contacts = Contact.objects.order_by("id")
    for field in CONTACT_WORD_FIELDS:
        first_word = ALPHANUMERIC_RUN.search(exact.get(field, ""))
        if first_word:
            # Only letters and digits reach the raw tsquery, so input cannot break its syntax.
            words = SearchQuery(f"{first_word.group()}:*", search_type="raw", config="simple")
            contacts = contacts.filter(search_vector=words)
    if client_id is not None:
        contacts = contacts.filter(client_id=client_id)
    if "email" in exact:
        contacts = contacts.alias(email_lower=Lower("email")).filter(
            email_lower=exact["email"].lower()
        )
    for field, value in exact.items():
        if field != "email":
            contacts = contacts.filter(**{f"{field}__iexact": value})
    return contacts
