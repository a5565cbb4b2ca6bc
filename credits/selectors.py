"""Read-side queries for the credit ledger. No writes here."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet

from billing_admin.money import ZERO
from clients.models import Client, ClientEvent
from credits.models import CreditEntry

CreditPolicy = Client.CreditPolicy


def effective_credit_policy(policy: str, *, site_default: bool | None = None) -> str:
    """The policy that applies: "default" follows AUTO_APPLY_CREDIT (or ``site_default``, for
    a caller that asked for credit explicitly, as CreateInvoice's ``autoapplycredit`` does)."""
    if policy != CreditPolicy.DEFAULT:
        return policy
    if site_default is None:
        site_default = settings.AUTO_APPLY_CREDIT
    return CreditPolicy.AVAILABLE if site_default else CreditPolicy.NEVER


def credit_to_apply(
    *, policy: str, available: Decimal, invoice_due: Decimal, site_default: bool | None = None
) -> Decimal:
    """How much of ``available`` credit pays an invoice with ``invoice_due`` by itself.

    A pure function of its arguments, so the daily run can call it per planned invoice with the
    balance its earlier invoices left, without a query.
    """
    policy = effective_credit_policy(policy, site_default=site_default)
    if policy == CreditPolicy.NEVER or available <= ZERO or invoice_due <= ZERO:
        return ZERO
    if policy == CreditPolicy.FULL:
        return invoice_due if available >= invoice_due else ZERO
    return min(available, invoice_due)


def auto_apply_amount(
    client: Client, invoice_due: Decimal, *, site_default: bool | None = None
) -> Decimal:
    """The credit that pays ``invoice_due`` automatically under the client's credit policy: the
    one rule behind generate_invoices, CreateInvoice's ``autoapplycredit`` and the amount the
    Apply Credit form proposes. ``client`` needs ``credit_policy`` and ``credit_balance``."""
    return credit_to_apply(
        policy=client.credit_policy,
        available=client.credit_balance,
        invoice_due=invoice_due,
        site_default=site_default,
    )


def client_credit_entries(*, client_id: int) -> QuerySet[CreditEntry]:
    """A client's credit log, newest first (served by the (client, -date, -id) index)."""
    return CreditEntry.objects.filter(client_id=client_id).order_by("-date", "-id")


@dataclass(frozen=True)
class CreditMismatch:
    """A client whose cached balance breaks the ledger invariant."""

    client_id: int
    email: str
    expected: Decimal
    actual: Decimal


# One set-based pass: each ledger is summed once per client (GROUP BY), never a query per client.
_MISMATCH_SQL = """
SELECT c.id, c.email, COALESCE(e.total, 0) + COALESCE(a.total, 0) AS expected, c.credit_balance
FROM {client} c
LEFT JOIN (
    SELECT client_id, SUM(amount) AS total FROM {entry} GROUP BY client_id
) e ON e.client_id = c.id
LEFT JOIN (
    SELECT client_id, SUM(balance_delta) AS total FROM {event}
    WHERE kind = %s GROUP BY client_id
) a ON a.client_id = c.id
WHERE c.credit_balance <> COALESCE(e.total, 0) + COALESCE(a.total, 0) OR c.credit_balance < 0
ORDER BY c.id
"""


def credit_invariant_violations() -> list[CreditMismatch]:
    """Clients where balance != sum(entries) + sum(manual adjustment deltas), or balance < 0."""
    sql = _MISMATCH_SQL.format(
        client=connection.ops.quote_name(Client._meta.db_table),
        entry=connection.ops.quote_name(CreditEntry._meta.db_table),
        event=connection.ops.quote_name(ClientEvent._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [ClientEvent.Kind.BALANCE_ADJUSTED.value])
        return [CreditMismatch(*row) for row in cursor.fetchall()]
