"""The account statement: one read, used by the admin page, the PDF, the CSV and the email.

What the statement counts (the README's "Account statements" says the same for staff):

- **Balance** is what the client owes net of the credit we hold for it: the balance due of its
  open invoices less its credit balance. Positive: the client owes; negative: it is in credit.
- **Movements**, each with its effect on that balance, dated as the books date them:
  an invoice issued (+ its total, on the invoice date; Draft invoices are not issued);
  a payment (- the money received, on the transaction's date; a transaction linked to one of
  the client's invoices); a refund paid out on such a transaction (+ its amount out);
  credit added (-), credit removed (+, e.g. refunded to the card) and a hand edit of the credit
  balance (- the change), on their entry dates; an invoice cancelled (- what was still owed on
  it, total less payments, on the day it was cancelled). Credit applied to an invoice, credit
  taken back from one and the credit part of an overpayment (or its reversal) move money
  between the invoices and the credit balance: they change the credit column, not the balance.
- **Payments move their invoice**, as in WHMCS (an invoice's balance is its total less the
  transactions linked to it), whichever way the transaction was recorded: AddInvoicePayment and
  the invoice page's Add Payment, or AddTransaction with an ``invoiceid`` and Transactions > Add
  with an invoice (``invoices.services.payments``). Money in pays the invoice up to its balance
  due and the rest becomes credit (an overpayment entry); on an invoice no longer open (Paid,
  Cancelled) all of it becomes credit. Money out is a refund: it lowers what was paid on the
  invoice (a Paid invoice is Unpaid again) and is refused beyond it. Draft invoices take
  neither. So each payment line is matched by the invoice's paid amount or by credit, and the
  closing balance equals the open invoices' balance due less the credit balance.
- **Deleting a transaction undoes it** (``invoices.services.transactions_delete``): its line
  goes, a payment's paid part comes off its invoice (Paid goes back to Unpaid) and the credit
  its overpayment added is taken back by an ``overpayment_reversed`` entry (credit column only,
  like the overpayment); a refund is paid on the invoice again. It is refused when that credit
  was spent or the invoice was refunded or paid again since, so the identity still holds.
- **Credit** is shown as its own running column: the credit balance after each line.
- **Aging** is what is still due now on open invoices, by days past due at the statement's end.

Every amount is in the client's currency (invoices and credit always are). The opening and
closing balances are sums over every movement before the start and up to the end, computed
apart from the lines, so ``opening + lines == closing`` is a check, not a tautology.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    DateField,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Concat, TruncDate
from django.utils import timezone

from billing_admin.money import ZERO, to_money
from clients.models import Client, ClientEvent
from credits.models import CreditEntry
from invoices.models import BALANCE_DUE, Invoice, InvoiceEvent
from invoices.selectors import OPEN_INVOICES
from transactions.models import Transaction
from transactions.payment_methods import payment_method_name_sql

PERIODS = {
    "last-month": "Last month",
    "this-month": "This month",
    "last-quarter": "Last quarter",
    "this-year": "This year",
    "everything": "Everything",
}
DEFAULT_PERIOD = "last-month"
# "everything" starts before any date the books can hold.
EVERYTHING_START = date(1, 1, 1)

UNKNOWN_PERIOD = "Unknown period {period!r}: use one of {choices}, or a start and end date."
RANGE_BACKWARDS = "The statement range ends ({end}) before it starts ({start})."
BAD_DATE = "{value!r} is not a date (YYYY-MM-DD)."

# Credit entry kinds that put money on the account or take it off (the others move credit to
# or from invoices, which the invoice lines already count).
CREDIT_MOVES_BALANCE = [
    CreditEntry.Kind.ADDED,
    CreditEntry.Kind.REMOVED,
    CreditEntry.Kind.REFUND,
]
MONEY = DecimalField(max_digits=14, decimal_places=2)
# Rows fetched at a time when the lines are read whole (the page, the PDF).
LINES_FETCH_ROWS = 10_000


# ---- the range -------------------------------------------------------------------------------


def period_range(period: str, *, today: date) -> tuple[date, date]:
    """The dates of a named period (``PERIODS``) seen on ``today``; ValidationError if unknown."""
    first_of_month = today.replace(day=1)
    if period == "last-month":
        end = first_of_month - timedelta(days=1)
        return end.replace(day=1), end
    if period == "this-month":
        return first_of_month, today
    if period == "last-quarter":
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        end = quarter_start - timedelta(days=1)
        return date(end.year, end.month - 2, 1), end
    if period == "this-year":
        return date(today.year, 1, 1), today
    if period == "everything":
        return EVERYTHING_START, today
    raise ValidationError(
        UNKNOWN_PERIOD.format(period=period, choices=", ".join(PERIODS)), code="period"
    )


def _parse_date(value) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(BAD_DATE.format(value=value), code="date") from None


def statement_range(*, period=None, start=None, end=None, today=None) -> tuple[date, date]:
    """The statement's dates: ``start`` and ``end`` when given (either alone keeps the default
    period's other end), else the named ``period`` (default: last full month)."""
    today = today or timezone.localdate()
    default_start, default_end = period_range(period or DEFAULT_PERIOD, today=today)
    start = _parse_date(start) if start else default_start
    end = _parse_date(end) if end else default_end
    if end < start:
        raise ValidationError(RANGE_BACKWARDS.format(start=start, end=end), code="range")
    return start, end


# ---- the movements ---------------------------------------------------------------------------

# Columns every source yields, in this order (the union needs the same shape from each).
LINE_COLUMNS = (
    "line_day",
    "line_seq",
    "line_kind",
    "line_ref",
    "line_text",
    "line_amount",
    "line_credit",
)


def _shape(queryset: QuerySet, **columns) -> QuerySet:
    return queryset.annotate(**columns).order_by().values_list(*LINE_COLUMNS)


def _text(value: str):
    return Value(value, output_field=CharField())


def _sources(client_id: int) -> list[QuerySet]:
    """One queryset a kind of movement, each on an index that leads with the client."""
    cancelled_on = Subquery(
        InvoiceEvent.objects.filter(invoice=OuterRef("pk"), kind=InvoiceEvent.Kind.CANCELLED)
        .order_by("-created_at")
        .annotate(day=TruncDate("created_at"))
        .values("day")[:1],
        output_field=DateField(),
    )
    invoices = Invoice.objects.filter(client_id=client_id)
    number = Cast("id", CharField())
    return [
        _shape(
            invoices.exclude(status=Invoice.Status.DRAFT),
            line_day=F("date"),
            line_seq=Value(0, output_field=IntegerField()),
            line_kind=_text("invoice"),
            line_ref=F("id"),
            line_text=Concat(_text("Invoice #"), number, output_field=CharField()),
            line_amount=Cast(F("total"), MONEY),
            line_credit=Value(ZERO, output_field=MONEY),
        ),
        _shape(
            Transaction.objects.filter(client_id=client_id, invoice__isnull=False),
            line_day=TruncDate("date"),
            line_seq=Value(1, output_field=IntegerField()),
            line_kind=Case(
                When(amount_in=0, then=_text("refund")),
                default=_text("payment"),
                output_field=CharField(),
            ),
            line_ref=F("id"),
            line_text=Concat(
                _text("Invoice #"),
                F("invoice_number"),
                _text(" - "),
                payment_method_name_sql("gateway"),
                Case(
                    When(transaction_id="", then=_text("")),
                    default=Concat(_text(" "), F("transaction_id")),
                    output_field=CharField(),
                ),
                output_field=CharField(),
            ),
            line_amount=Cast(F("amount_out") - F("amount_in"), MONEY),
            line_credit=Value(ZERO, output_field=MONEY),
        ),
        _shape(
            CreditEntry.objects.filter(client_id=client_id),
            line_day=F("date"),
            line_seq=Value(2, output_field=IntegerField()),
            line_kind=F("kind"),
            line_ref=F("id"),
            line_text=F("description"),
            line_amount=Case(
                When(kind__in=CREDIT_MOVES_BALANCE, then=-F("amount")),
                default=Value(ZERO),
                output_field=MONEY,
            ),
            line_credit=Cast(F("amount"), MONEY),
        ),
        _shape(
            ClientEvent.objects.filter(client_id=client_id, kind=ClientEvent.Kind.BALANCE_ADJUSTED),
            line_day=TruncDate("created_at"),
            line_seq=Value(3, output_field=IntegerField()),
            line_kind=_text("adjustment"),
            line_ref=F("id"),
            line_text=_text("Credit balance edited by hand"),
            line_amount=Cast(-F("balance_delta"), MONEY),
            line_credit=Cast(F("balance_delta"), MONEY),
        ),
        _shape(
            invoices.filter(status=Invoice.Status.CANCELLED),
            line_day=Coalesce(cancelled_on, TruncDate("updated_at")),
            line_seq=Value(4, output_field=IntegerField()),
            line_kind=_text("cancellation"),
            line_ref=F("id"),
            line_text=Concat(_text("Invoice #"), number, _text(" cancelled")),
            line_amount=Cast(F("amount_paid") - F("total"), MONEY),
            line_credit=Value(ZERO, output_field=MONEY),
        ),
    ]


KIND_LABELS = {
    "invoice": "Invoice",
    "payment": "Payment",
    "refund": "Refund",
    "cancellation": "Cancelled",
    "adjustment": "Credit edited",
    **{kind.value: kind.label for kind in CreditEntry.Kind},
}


# Not frozen: a frozen dataclass sets each field through object.__setattr__, and a month of the
# largest client builds thousands of these per page.
@dataclass(slots=True)
class StatementLine:
    day: date
    kind: str
    reference: int
    description: str
    # The effect on what the client owes (+ charges, - money and credit in).
    amount: Decimal
    # The effect on the credit balance.
    credit: Decimal
    balance: Decimal
    credit_balance: Decimal

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


AGING_BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90")
AGING_LABELS = ("Current", "1-30 days", "31-60 days", "61-90 days", "Over 90 days")


@dataclass(frozen=True)
class Aging:
    current: Decimal
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal

    @property
    def total(self) -> Decimal:
        return sum((getattr(self, name) for name in AGING_BUCKETS), ZERO)

    def rows(self) -> list[tuple[str, Decimal]]:
        pairs = zip(AGING_BUCKETS, AGING_LABELS, strict=True)
        return [(label, getattr(self, name)) for name, label in pairs]


@dataclass
class Statement:
    client: Client
    start: date
    end: date
    opening: Decimal
    closing: Decimal
    opening_credit: Decimal
    closing_credit: Decimal
    aging: Aging
    _lines: list[StatementLine] | None = field(default=None, repr=False)

    @property
    def currency(self) -> str:
        return self.client.currency

    @property
    def from_the_start(self) -> bool:
        return self.start == EVERYTHING_START

    @property
    def period_text(self) -> str:
        if self.from_the_start:
            return f"everything up to {self.end.isoformat()}"
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    @property
    def lines(self) -> list[StatementLine]:
        """The movements with running balances, read once (one query) and kept."""
        if self._lines is None:
            self._lines = list(self.iter_lines())
        return self._lines

    def iter_lines(self, *, chunk_size: int | None = None) -> Iterator[StatementLine]:
        """The movements in date order with running balances. With ``chunk_size`` the rows
        come through a server-side cursor, so a range of any size streams in fixed memory.

        The union's SQL runs on a plain cursor: the driver already gives dates, Decimals and
        text, and skipping the ORM's per-row converters is a fifth of a large page's time."""
        queryset = statement_movements(self.client.pk, start=self.start, end=self.end)
        sql, params = queryset.query.sql_with_params()
        balance, credit_balance = self.opening, self.opening_credit
        cursor = connection.chunked_cursor() if chunk_size else connection.cursor()
        with cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(chunk_size or LINES_FETCH_ROWS):
                for day, _, kind, ref, description, amount, credit in rows:
                    balance += amount
                    credit_balance += credit
                    yield StatementLine(
                        day, kind, ref, description, amount, credit, balance, credit_balance
                    )


def statement_movements(client_id: int, *, start: date, end: date) -> QuerySet:
    """Every movement dated ``start``..``end`` as LINE_COLUMNS tuples, in date order (one
    query: the sources' union)."""
    parts = [
        source.filter(line_day__gte=start, line_day__lte=end) for source in _sources(client_id)
    ]
    return parts[0].union(*parts[1:], all=True).order_by("line_day", "line_seq", "line_ref")


# The four totals over every source in one statement: the ORM cannot aggregate a union, and
# five aggregate queries (one a source) cost five compilations and round trips on every page.
# Column names are LINE_COLUMNS, the union's aliases.
TOTALS_SQL = """
SELECT COALESCE(SUM(line_amount) FILTER (WHERE line_day < %s), 0),
       COALESCE(SUM(line_credit) FILTER (WHERE line_day < %s), 0),
       COALESCE(SUM(line_amount) FILTER (WHERE line_day <= %s), 0),
       COALESCE(SUM(line_credit) FILTER (WHERE line_day <= %s), 0)
FROM ({movements}) AS movements
"""


def _totals(client_id: int, *, start: date, end: date) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(opening, opening credit, closing, closing credit): every movement summed before
    ``start`` and up to ``end``, in one query over the sources' union."""
    sources = _sources(client_id)
    union = sources[0].union(*sources[1:], all=True)
    movements, params = union.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(TOTALS_SQL.format(movements=movements), [start, start, end, end, *params])
        return tuple(to_money(value) for value in cursor.fetchone())


def statement_aging(client_id: int, *, as_of: date) -> Aging:
    """What is due on the client's open invoices, by days past due on ``as_of`` (one query)."""

    def due_between(low: int | None, high: int | None) -> Sum:
        condition = Q()
        if low is not None:  # at least ``low`` days past due: due on or before as_of - low
            condition &= Q(due_date__lte=as_of - timedelta(days=low))
        if high is not None:
            condition &= Q(due_date__gte=as_of - timedelta(days=high))
        return Coalesce(Sum(BALANCE_DUE, filter=condition), ZERO, output_field=MONEY)

    totals = Invoice.objects.filter(OPEN_INVOICES, client_id=client_id).aggregate(
        current=due_between(None, 0),
        days_1_30=due_between(1, 30),
        days_31_60=due_between(31, 60),
        days_61_90=due_between(61, 90),
        over_90=due_between(91, None),
    )
    return Aging(**totals)


def client_statement(client: Client, *, start: date, end: date) -> Statement:
    """The statement of ``client`` for ``start``..``end``: three queries whatever the client's
    size (the totals, the aging, and the lines when they are read)."""
    opening, opening_credit, closing, closing_credit = _totals(client.pk, start=start, end=end)
    return Statement(
        client=client,
        start=start,
        end=end,
        opening=opening,
        closing=closing,
        opening_credit=opening_credit,
        closing_credit=closing_credit,
        aging=statement_aging(client.pk, as_of=min(end, timezone.localdate())),
    )


def _moments(start: date, end: date) -> tuple:
    """The period as [first moment, moment after) in the current time zone, for timestamp
    columns: a range on the column itself uses its index, a cast of every row to a date does not."""
    first = timezone.make_aware(datetime.combine(start, time.min))
    after = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    return first, after


def clients_with_movements(*, start: date, end: date) -> QuerySet[Client]:
    """Clients with at least one movement dated ``start``..``end`` (send_statements' list):
    one id list a kind of movement, each read through an index on its date."""
    day = Q(date__gte=start, date__lte=end)
    first, after = _moments(start, end)
    moment = Q(created_at__gte=first, created_at__lt=after)
    movers = [
        Invoice.objects.filter(day).exclude(status=Invoice.Status.DRAFT).values("client_id"),
        CreditEntry.objects.filter(day).values("client_id"),
        Transaction.objects.filter(invoice__isnull=False, date__gte=first, date__lt=after).values(
            "client_id"
        ),
        ClientEvent.objects.filter(moment, kind=ClientEvent.Kind.BALANCE_ADJUSTED).values(
            "client_id"
        ),
        InvoiceEvent.objects.filter(moment, kind=InvoiceEvent.Kind.CANCELLED).values(
            "invoice__client_id"
        ),
    ]
    condition = Q()
    for ids in movers:
        condition |= Q(pk__in=ids)
    return Client.objects.filter(condition)
