"""Read-side queries for clients: composed querysets and lookups. No writes here.

clients is the bottom layer, so figures about invoices, services and transactions are read
through the reverse relations (``client.invoices`` ...) rather than by importing those apps.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, Lower

from billing_admin.bulk_sql import unnest
from billing_admin.money import ZERO
from billing_admin.parsing import parse_positive_int
from billing_admin.prepared import PLACEHOLDER_ID, PreparedRead
from clients.models import (
    COMPANY_NAME_LOWER,
    FULL_NAME_LOWER,
    LAST_NAME_LOWER,
    PHONE_DIGITS,
    Client,
    ClientNote,
    Contact,
)

RECENT_ROWS = 5
SEARCH_WORD = re.compile(r"\w+")
NON_DIGITS = re.compile(r"[^0-9]")
# What a typed phone number or ID looks like: digits with the usual separators.
NUMBER_LIKE = re.compile(r"\+?[0-9][0-9 .()-]*")


def _names_and_email_filter(term: str) -> Q:
    """Words match name or company by prefix (the stored ``search_vector``, GIN index) and the
    term matches the email by prefix (``lower(email)`` pattern index): the same on clients and
    on contacts, whose tables carry the same two indexes."""
    condition = Q(email_lower__startswith=term.lower())
    words = _name_words_query(term)
    if words is not None:
        condition |= Q(search_vector=words)
    return condition


def _name_words_query(term: str) -> SearchQuery | None:
    """Every word of ``term`` starts a word of the names (or company), as a tsquery for the
    stored ``search_vector``; None when ``term`` has no word."""
    words = SEARCH_WORD.findall(term)
    if not words:
        return None
    # Only \w characters reach the raw tsquery, so user input cannot break its syntax.
    prefix_query = " & ".join(f"{word}:*" for word in words)
    return SearchQuery(prefix_query, search_type="raw", config="simple")


def client_search_filter(term: str) -> Q:
    """What the client list's search box matches on the client's own row, each branch served by
    an index: name, company and email (``_names_and_email_filter``); a number matches the ID
    exactly or the phone number's digits by prefix (pattern index).
    """
    term = term.strip()
    condition = _names_and_email_filter(term)
    digits = NON_DIGITS.sub("", term)
    if digits and NUMBER_LIKE.fullmatch(term):
        condition |= Q(phone_digits__startswith=digits)
        client_id = parse_positive_int(term)
        if client_id is not None:
            condition |= Q(pk=client_id)
    return condition


# Up to this many clients found through their contacts are named in the client query itself.
CONTACT_MATCHES_INLINE = 1_000


def contact_search_client_ids(term: str) -> QuerySet:
    """The client ids whose contacts ``term`` finds: name or company words, email start (the
    contacts' own GIN and pattern indexes, as on clients)."""
    return (
        Contact.objects.order_by()
        .alias(email_lower=Lower("email"))
        .filter(_names_and_email_filter(term.strip()))
        .values_list("client_id", flat=True)
    )


def clients_search(
    queryset: QuerySet[Client],
    term: str,
    *,
    also: Iterable[QuerySet] = (),
    from_id: int | None = None,
    common: bool = False,
) -> QuerySet[Client]:
    """The clients ``term`` finds by their own row (``client_search_filter``), by one of their
    contacts' name, company or email, or through ``also``: more querysets of matching client ids
    from other apps' rows (custom field values), each served by its own index and searched with
    the contacts.

    The contacts are searched first, in a query of their own. Their few client ids then join
    the client conditions as ``OR id IN (1, 2, ...)``, which leaves the client query the shape
    it has without contacts: PostgreSQL either ORs bitmap scans of the three indexes (primary key
    included) or walks the primary key to fill the first page, whichever the term's rarity
    favours. An ``OR id IN (SELECT ...)`` would rule out the bitmap scans and test every client.
    Past ``CONTACT_MATCHES_INLINE`` contact matches (a word most contacts share) the two searches
    become one ``id IN (own matches UNION ALL contacts' client ids)``.

    ``from_id`` keeps only clients from that id up (and only their contacts and ``also`` rows),
    so that each index is read for the newest clients alone (``ClientListSearch``).

    ``common``: the term is known to be a word thousands of clients share, whose pages the list
    reads elsewhere (``ClientListSearch.newest_matches``): no query probes the contacts first,
    and the search is the one ``id IN (... UNION ALL ...)``, read only if a page needs it.
    """
    own = client_search_filter(term)
    clients = queryset.alias(email_lower=Lower("email"), phone_digits=PHONE_DIGITS)
    contacts = contact_search_client_ids(term)
    if from_id is not None:
        own &= Q(pk__gte=from_id)
        contacts = contacts.filter(client_id__gte=from_id)
        also = [client_ids.filter(client_id__gte=from_id) for client_ids in also]
    if not common:
        by_contact = contacts.union(*also, all=True) if also else contacts
        contact_client_ids = list(by_contact[: CONTACT_MATCHES_INLINE + 1])
        if len(contact_client_ids) <= CONTACT_MATCHES_INLINE:
            if contact_client_ids:
                own |= Q(pk__in=contact_client_ids)
            return clients.filter(own)
    own_ids = (
        Client.objects.order_by()
        .alias(email_lower=Lower("email"), phone_digits=PHONE_DIGITS)
        .filter(own)
        .values("pk")
    )
    return queryset.filter(pk__in=own_ids.union(contacts, *also, all=True))


# A common word's first pages are looked for among this many newest clients first.
NEWEST_CLIENTS_WINDOW = 20_000


@dataclass(frozen=True)
class ClientListSearch:
    """A search of the whole client list (no other filter), as its paginator reads a word tens
    of thousands of clients share (``clients.admin_pagination``): gathering every match of
    ``clients_search`` (own rows, contacts, ``also``) takes a quarter of a second at a million
    clients, once to count them and once more to order them for a page. Neither needs it.
    """

    clients: QuerySet[Client]  # the list before the search
    term: str
    also: tuple[QuerySet, ...] = ()
    # more_named_than's answers: the admin asks before searching, the paginator when counting.
    _named_beyond: dict[int, bool] = field(default_factory=dict, compare=False, repr=False)

    def more_named_than(self, limit: int) -> bool:
        """True when more than ``limit`` clients hold every word of the term in their names:
        part of the matches, counted from the names' GIN index alone. That count reads no table
        page the visibility map knows is all visible: 20 ms for a word 27,000 clients share."""
        if limit not in self._named_beyond:
            words = _name_words_query(self.term)
            self._named_beyond[limit] = (
                words is not None and Client.objects.filter(search_vector=words).count() > limit
            )
        return self._named_beyond[limit]

    def newest_matches(self, count: int) -> QuerySet[Client] | None:
        """The ``count`` newest matches, as the list before the search read by their ids, when
        all of them are among the ``NEWEST_CLIENTS_WINDOW`` newest clients (each index then
        reads only those clients' rows); else None."""
        newest = Client.objects.order_by("-pk").values_list("pk", flat=True)
        from_id = newest[NEWEST_CLIENTS_WINDOW - 1 : NEWEST_CLIENTS_WINDOW].first()
        if from_id is None:
            return None  # a smaller table: the search reads it all anyway
        matches = clients_search(self.clients, self.term, also=self.also, from_id=from_id)
        ids = list(matches.order_by("-pk").values_list("pk", flat=True)[:count])
        if len(ids) < count:
            return None
        return self.clients.filter(pk__in=unnest(ids, "bigint"))


# A run of letters or digits (the API's contact filters narrow by its first).
ALPHANUMERIC_RUN = re.compile(r"[^\W_]+")


def clients_matching_start(queryset: QuerySet[Client], term: str) -> QuerySet[Client]:
    """The API's GetClients ``search`` (WHMCS's): the term starts the email, first name, last
    name, "first last" or company name, case-insensitively. Unlike the list's search box
    (``clients_search``: any word of the names, contacts, phone, id), nothing inside a field.

    Each arm of the OR is a range of a clients btree index (``lower(...)`` with
    ``text_pattern_ops``): email, "first last" (which covers the first name), last name and
    company. The names' word index would pay for every client holding a common word of the term
    ("olivia", "10") before the exact test.
    """
    prefix = term.lower()
    return queryset.alias(
        email_lower=Lower("email"),
        full_name_lower=FULL_NAME_LOWER,
        last_name_lower=LAST_NAME_LOWER,
        company_name_lower=COMPANY_NAME_LOWER,
    ).filter(
        Q(email_lower__startswith=prefix)
        | Q(full_name_lower__startswith=prefix)
        | Q(last_name_lower__startswith=prefix)
        | Q(company_name_lower__startswith=prefix)
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
    """The Summary's and the Profile's email list: no message bodies (a statement's runs to
    kilobytes), which the list never shows."""
    return client.emails.defer("body_text", "body_html")[:RECENT_ROWS]


def client_contacts(client: Client) -> QuerySet[Contact]:
    """The client's contacts, by name (the unique (client, email) index serves the lookup)."""
    return client.contacts.all()


# Compiled once (billing_admin.prepared): GetClientsDetails lists them on every call.
_CONTACTS_OF = PreparedRead(
    lambda client_id: Contact.objects.filter(client_id=client_id), PLACEHOLDER_ID
)


def client_contact_list(client_id: int) -> list[Contact]:
    """``client_contacts`` as a list, its query compiled once."""
    return list(_CONTACTS_OF.run(client_id))


def client_billing_contact(client: Client) -> Contact | None:
    return client.contacts.filter(is_billing_contact=True).first()


class EmailKind:
    """The kinds of email contacts opt into as CC (Contact's three "receives" flags)."""

    GENERAL = "general"
    INVOICE = "invoice"
    STATEMENT = "statement"
    # Sent to the client alone: it is about the client's own account.
    WELCOME = "welcome"


# Email kind -> the Contact flag that puts a contact on that email's CC line.
CC_FLAGS = {
    EmailKind.GENERAL: "general_emails",
    EmailKind.INVOICE: "invoice_emails",
    EmailKind.STATEMENT: "statement_emails",
}


def client_email_cc(client: Client, kind: str) -> list[str]:
    """The addresses to CC on one email of ``kind`` to ``client`` (one message, not copies).

    "general", "invoice" and "statement" (``EmailKind``) CC the contacts that receive that
    kind; any other kind, "welcome" included, CCs nobody. A contact whose address is the
    client's own is left out (it is already the To). One query at most; addresses in the
    contacts' order, each once (ignoring case).
    """
    flag = CC_FLAGS.get(kind)
    if flag is None:
        return []
    addresses = client.contacts.filter(**{flag: True}).values_list("email", flat=True)
    seen = {client.email.lower()}
    cc = []
    for address in addresses:
        if address.lower() not in seen:
            seen.add(address.lower())
            cc.append(address)
    return cc


def client_notes(client: Client) -> QuerySet[ClientNote]:
    """The notes log, newest first (the author's name is stored on the note: no join)."""
    return client.client_notes.all()


def client_sticky_notes(client_or_id: Client | int) -> QuerySet[ClientNote]:
    """The sticky notes shown as a warning on every page about the client (partial index)."""
    client_id = client_or_id.pk if isinstance(client_or_id, Client) else client_or_id
    return ClientNote.objects.filter(client_id=client_id, sticky=True)


def notes_text(client_id) -> Coalesce:
    """The whole notes log of ``client_id`` (an id or ``OuterRef("pk")``) as one text, oldest
    first, as an expression to read with the client: what WHMCS's single notes field holds
    ("" without notes)."""
    joined = (
        ClientNote.objects.filter(client_id=client_id)
        .order_by()
        .values("client_id")
        .annotate(text=StringAgg("text", "\n\n", order_by=("created_at", "id")))
        .values("text")
    )
    return Coalesce(Subquery(joined), Value(""), output_field=TextField())


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
