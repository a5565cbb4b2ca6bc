"""Read-side queries for clients: composed querysets and lookups. No writes here.

clients is the bottom layer, so figures about invoices, services and transactions are read
through the reverse relations (``client.invoices`` ...) rather than by importing those apps.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.contrib.postgres.search import SearchQuery
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Lower

from billing_admin.bulk_sql import unnest
from billing_admin.money import ZERO
from billing_admin.parsing import parse_positive_int
from clients.models import PHONE_DIGITS, Client

RECENT_ROWS = 5
SEARCH_WORD = re.compile(r"\w+")
NON_DIGITS = re.compile(r"[^0-9]")
# What a typed phone number or ID looks like: digits with the usual separators.
NUMBER_LIKE = re.compile(r"\+?[0-9][0-9 .()-]*")


def client_search_filter(term: str) -> Q:
    """What the client list's search box matches, each branch served by an index.

    Words match name or company by prefix (the stored ``search_vector``, GIN index), the term
    matches the email by prefix (``lower(email)`` pattern index), and a number matches the ID
    exactly or the phone number's digits by prefix (pattern index).
    """
    term = term.strip()
    condition = Q(email_lower__startswith=term.lower())
    words = SEARCH_WORD.findall(term)
    if words:
        # Only \w characters reach the raw tsquery, so user input cannot break its syntax.
        prefix_query = " & ".join(f"{word}:*" for word in words)
        condition |= Q(search_vector=SearchQuery(prefix_query, search_type="raw", config="simple"))
    digits = NON_DIGITS.sub("", term)
    if digits and NUMBER_LIKE.fullmatch(term):
        condition |= Q(phone_digits__startswith=digits)
        client_id = parse_positive_int(term)
        if client_id is not None:
            condition |= Q(pk=client_id)
    return condition


def clients_search(queryset: QuerySet[Client], term: str) -> QuerySet[Client]:
    return queryset.alias(email_lower=Lower("email"), phone_digits=PHONE_DIGITS).filter(
        client_search_filter(term)
    )


@dataclass(frozen=True)
class ClientFigures:
    transactions: int
    income: Decimal


def client_figures(client: Client) -> ClientFigures:
    """The Client Summary's transaction figures in one aggregate query (the invoices app adds
    its own through ClientAdmin's summary hook)."""
    transactions = client.transactions.aggregate(
        count=Count("id"),
        income=Coalesce(Sum(F("amount_in") - F("fees") - F("amount_out")), ZERO),
    )
    return ClientFigures(transactions=transactions["count"], income=transactions["income"])


def client_recent_credit_entries(client: Client):
    return client.credit_entries.all()[:RECENT_ROWS]


def client_recent_emails(client: Client):
    return client.emails.all()[:RECENT_ROWS]


def client_history(client: Client):
    """Status changes, balance edits and profile changes, newest first."""
    return client.events.all()


# Bulk status changes: the selections of set_client_status, the admin's bulk actions and the
# automatic status update (clients.services.bulk).

# Status values of the invoices app's services, named here to keep clients free of that import.
SERVICE_ACTIVE = "Active"
SERVICE_SUSPENDED = "Suspended"
STATUS_CHANGE_SAMPLE_SIZE = 10
STATUS_VALUES = Client.Status.values


def _related_model(related_name: str):
    """The model behind a reverse relation of Client (its services, invoices), without an import."""
    return Client._meta.get_field(related_name).related_model


def has_active_service() -> Exists:
    """Per client: does it hold an Active service? One indexed subquery, no join fan-out."""
    service = _related_model("services")
    return Exists(service.objects.filter(client=OuterRef("pk"), status=SERVICE_ACTIVE))


def clients_with_ids(ids: Iterable[int]) -> QuerySet[Client]:
    """The clients among ``ids``, sent as one array parameter however many ids there are."""
    return Client.objects.filter(pk__in=unnest(ids, "bigint"))


def existing_client_ids(ids: Iterable[int]) -> set[int]:
    return set(clients_with_ids(ids).values_list("pk", flat=True))


def client_ids_by_email(emails: Iterable[str]) -> dict[str, int]:
    """Client ids keyed by lower-cased email, for the emails that belong to a client."""
    matches = Client.objects.alias(email_lower=Lower("email")).filter(
        email_lower__in=unnest((email.lower() for email in emails), "text")
    )
    return {email.lower(): pk for pk, email in matches.values_list("pk", "email")}


def clients_for_status_change(
    clients: QuerySet[Client] | None = None,
    *,
    current_status: str | None = None,
    group_id: int | None = None,
    country: str | None = None,
    created_before: datetime | None = None,
    no_active_services: bool = False,
    no_invoice_since: date | None = None,
) -> QuerySet[Client]:
    """Narrow ``clients`` (default: all) by each condition given; conditions combine with AND."""
    clients = Client.objects.all() if clients is None else clients
    if current_status:
        clients = clients.filter(status=current_status)
    if group_id is not None:
        clients = clients.filter(group_id=group_id)
    if country:
        clients = clients.filter(country=country)
    if created_before is not None:
        clients = clients.filter(created_at__lt=created_before)
    if no_active_services:
        clients = clients.filter(~has_active_service())
    if no_invoice_since is not None:
        invoice = _related_model("invoices")
        recent_invoices = invoice.objects.filter(client=OuterRef("pk"), date__gte=no_invoice_since)
        clients = clients.filter(~Exists(recent_invoices))
    return clients


@dataclass(frozen=True)
class StatusChangePreview:
    status: str
    total: int
    by_status: dict[str, int]
    with_active_services: int

    @property
    def already(self) -> int:
        return self.by_status[self.status]

    @property
    def to_change(self) -> int:
        return self.total - self.already


def status_change_preview(clients: QuerySet[Client], *, status: str) -> StatusChangePreview:
    """What setting ``status`` on ``clients`` would do, counted in one aggregate query."""
    counts = clients.order_by().aggregate(
        total=Count("pk"),
        with_active_services=Count("pk", filter=Q(has_active_service())),
        **{f"status_{value}": Count("pk", filter=Q(status=value)) for value in STATUS_VALUES},
    )
    return StatusChangePreview(
        status=status,
        total=counts["total"],
        by_status={value: counts[f"status_{value}"] for value in STATUS_VALUES},
        with_active_services=counts["with_active_services"],
    )


def status_change_sample(clients: QuerySet[Client]) -> QuerySet[Client]:
    """The first few selected clients, for a dry run to show."""
    return clients.order_by("pk").only("first_name", "last_name", "email", "status")[
        :STATUS_CHANGE_SAMPLE_SIZE
    ]


def clients_due_auto_active() -> QuerySet[Client]:
    """Inactive clients that hold an Active service again (override_auto_close opts out)."""
    return Client.objects.filter(
        has_active_service(), status=Client.Status.INACTIVE, override_auto_close=False
    )


def clients_due_auto_inactive(*, since: datetime) -> QuerySet[Client]:
    """Active clients with no Active or Suspended service, none changed after ``since``, and
    created before it: quiet for the whole period (override_auto_close opts out)."""
    service = _related_model("services")
    live_or_recent = service.objects.filter(client=OuterRef("pk")).filter(
        Q(status__in=[SERVICE_ACTIVE, SERVICE_SUSPENDED]) | Q(status_changed_at__gt=since)
    )
    return Client.objects.filter(
        ~Exists(live_or_recent),
        status=Client.Status.ACTIVE,
        override_auto_close=False,
        created_at__lte=since,
    )
