"""The daily run: invoice every service that falls due, in batches of clients.

Next due dates keep the service's billing day: a date clamped to a short month's end goes back
to the registration day when the month allows (Jan 31 -> Feb 28 -> Mar 31).
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from billing_admin.actors import actor_fields, actor_label, actor_user
from billing_admin.bulk_sql import (
    COPY_NULL,
    array_literal,
    copy_rows,
    copy_text,
    model_columns,
    reserve_ids,
    unnest,
)
from billing_admin.money import ZERO, format_money
from clients.models import Client
from credits.models import CreditEntry
from credits.selectors import credit_to_apply
from credits.services import record_credit_entries
from invoices import selectors
from invoices.models import ClientService, Invoice, InvoiceEvent, InvoiceItem
from invoices.services.shared import CREDIT_APPLIED_DESCRIPTION
from invoices.services.snapshot import SNAPSHOT_FIELDS, client_snapshots

CYCLE_MONTHS = {
    ClientService.BillingCycle.MONTHLY: 1,
    ClientService.BillingCycle.QUARTERLY: 3,
    ClientService.BillingCycle.SEMI_ANNUALLY: 6,
    ClientService.BillingCycle.ANNUALLY: 12,
}
# Clients per generation batch: each batch is one transaction holding these clients' row locks
# and costs ~10 statements whatever its size, so 5,000 makes 20 batches of 100,000 due clients
# instead of 100. A batch holds its locks for about a second; its plan is a few MB.
GENERATION_BATCH_SIZE = 5000


def billing_day(due: date, registration_date: date) -> int:
    """The day of the month a service is billed on.

    A due date on the last day of its month may have been clamped from a later registration
    day (Jan 31 -> Feb 28); the registration day then comes back when the month allows it.
    """
    if due.day == calendar.monthrange(due.year, due.month)[1]:
        return max(due.day, registration_date.day)
    return due.day


def next_due_date_after(due: date, *, cycle: str, day: int) -> date | None:
    """The due date one cycle after ``due`` on billing day ``day`` (None for one-time)."""
    if cycle == ClientService.BillingCycle.ONE_TIME:
        return None
    months = due.month - 1 + CYCLE_MONTHS[cycle]
    year, month = due.year + months // 12, months % 12 + 1
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _item_description(service, due: date, next_due: date | None) -> str:
    name = service.product_name
    if service.description:
        name = f"{name} - {service.description}"
    if next_due is not None:
        name = f"{name} ({due:%Y-%m-%d} - {next_due - timedelta(days=1):%Y-%m-%d})"
    return name[:255]


@dataclass
class GenerationResult:
    invoices: int = 0
    items: int = 0
    total: Decimal = ZERO
    credit_applied: Decimal = ZERO
    paid_by_credit: int = 0
    batches: int = 0

    def summary(self, *, today: date, dry_run: bool = False) -> str:
        """What the run did (or, dry, would do) in one line: the command's last line and the
        message after Generate Due Invoices."""
        verb = "Would create" if dry_run else "Created"
        return (
            f"{verb} {self.invoices} invoices ({self.items} items, total "
            f"{format_money(self.total)}) for services due by {today} + "
            f"{settings.INVOICE_DAYS_IN_ADVANCE} days; credit applied "
            f"{format_money(self.credit_applied)}, {self.paid_by_credit} paid in full."
        )


@dataclass(slots=True)
class _PlannedInvoice:
    client_id: int
    currency: str
    due_date: date
    total: Decimal
    credit: Decimal
    # (service id, service due date, description, amount)
    items: list[tuple[int, date, str, Decimal]]

    @property
    def paid(self) -> bool:
        return self.credit == self.total


@dataclass
class _Plan:
    """What one batch writes: invoices with their items (and credit), services' new due dates."""

    invoices: list[_PlannedInvoice] = field(default_factory=list)
    next_due_dates: dict[int, date | None] = field(default_factory=dict)


def _plan_batch(*, clients: dict[int, tuple[str, Decimal, str]], services, horizon: date) -> _Plan:
    """No writes: bill every period of ``services`` due by ``horizon``, one invoice per client and
    due date; apply each client's credit (``clients``: id -> (currency, balance, credit policy))
    to its new invoices, earliest due first, as its credit policy says (``credit_to_apply``)."""
    plan = _Plan()
    items_by_invoice: dict[tuple[int, date], list] = defaultdict(list)
    for service in services:
        due = service.next_due_date
        day = billing_day(due, service.registration_date)
        while due is not None and due <= horizon:
            next_due = next_due_date_after(due, cycle=service.billing_cycle, day=day)
            items_by_invoice[service.client_id, due].append(
                (
                    service.pk,
                    due,
                    _item_description(service, due, next_due),
                    service.recurring_amount,
                )
            )
            due = next_due
        plan.next_due_dates[service.pk] = due
    site_default = settings.AUTO_APPLY_CREDIT
    # Credit left to apply: the balance less what this batch's earlier invoices took.
    balances = {client_id: balance for client_id, (_, balance, _) in clients.items()}
    for (client_id, due), items in sorted(items_by_invoice.items()):
        currency, _, policy = clients[client_id]
        total = sum((item[3] for item in items), ZERO)
        credit = credit_to_apply(
            policy=policy,
            available=balances[client_id],
            invoice_due=total,
            site_default=site_default,
        )
        balances[client_id] -= credit
        plan.invoices.append(_PlannedInvoice(client_id, currency, due, total, credit, items))
    return plan


def _set_next_due_dates(next_due_dates: dict[int, date | None]) -> None:
    """One UPDATE for a batch's services, ids and dates sent as two array literals."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ClientService._meta.db_table} AS s "
            "SET next_due_date = v.due, updated_at = now() "
            "FROM unnest(%s::bigint[], %s::date[]) AS v(id, due) WHERE s.id = v.id",
            [array_literal(next_due_dates), array_literal(next_due_dates.values())],
        )


# The identity snapshot's columns go last, after the invoice's own.
INVOICE_COLUMNS = [
    *model_columns(Invoice, omit=SNAPSHOT_FIELDS),
    *(Invoice._meta.get_field(name).column for name in SNAPSHOT_FIELDS),
]
ITEM_COLUMNS = model_columns(InvoiceItem, omit=("id",))
EVENT_COLUMNS = model_columns(InvoiceEvent, omit=("id",))
DUE_SERVICE_FIELDS = (
    "pk",
    "client_id",
    "product_name",
    "description",
    "billing_cycle",
    "recurring_amount",
    "registration_date",
    "next_due_date",
)


def _generated_events(invoice_ids: list[int], plan: _Plan, actor, now: str) -> list[tuple]:
    """History rows (COPY-ready) for a batch's invoices, as invoice_create with auto-applied
    credit writes them: created (Unpaid, total), credit applied (balance due before and after),
    and the status change when the credit paid the invoice."""
    user = actor_user(actor)
    who = (COPY_NULL if user is None else user.pk, copy_text(actor_label(actor)), now)
    unpaid, paid = Invoice.Status.UNPAID, Invoice.Status.PAID
    kind = InvoiceEvent.Kind
    rows = []
    for invoice_id, invoice in zip(invoice_ids, plan.invoices, strict=True):
        # (kind, old value, new value, amount)
        if invoice.credit:
            balance_due = invoice.total - invoice.credit
            events = [
                (kind.CREATED, "", unpaid, invoice.total),
                (kind.CREDIT_APPLIED, invoice.total, balance_due, invoice.credit),
            ]
            if invoice.paid:
                events.append((kind.STATUS_CHANGED, unpaid, paid, COPY_NULL))
        else:  # a free invoice is inserted Paid
            events = [(kind.CREATED, "", paid if invoice.paid else unpaid, invoice.total)]
        rows.extend((*who, invoice_id, *event) for event in events)
    return rows


def _locked_clients(balances: dict[int, tuple[str, Decimal, str]], client_ids) -> list[Client]:
    """Client rows for record_credit_entries, built from the balances read under this batch's
    locks: only the credited clients, and only the columns it uses, instead of a model instance
    for every locked client."""
    return [
        Client.from_db(connection.alias, ["id", "credit_balance"], (pk, balances[pk][1]))
        for pk in sorted(client_ids)
    ]


def _batch_rows(client_ids: list[int], *, horizon: date, lock: bool):
    """A batch's clients (id -> (currency, balance, credit policy)), read now, and its due
    services (read as they are iterated). With ``lock`` both are locked, clients first, each in
    pk order, for the batch's transaction."""
    clients = Client.objects.filter(pk__in=unnest(client_ids, "bigint")).order_by("pk")
    services = (
        selectors.services_due(horizon=horizon)
        .filter(client_id__in=unnest(client_ids, "bigint"))
        .order_by("pk")
    )
    if lock:
        clients, services = clients.select_for_update(), services.select_for_update()
    balances = {
        pk: tuple(rest)
        for pk, *rest in clients.values_list("pk", "currency", "credit_balance", "credit_policy")
    }
    return balances, services.values_list(*DUE_SERVICE_FIELDS, named=True)


@transaction.atomic
def _generate_batch(*, client_ids: list[int], today: date, horizon: date, actor) -> _Plan:
    """One batch, one transaction: lock the clients (pk order) and their due services, then
    re-read what is due under the locks, so a concurrent or restarted run bills nothing twice.
    A fixed number of statements, however many invoices the batch makes."""
    balances, services = _batch_rows(client_ids, horizon=horizon, lock=True)
    plan = _plan_batch(clients=balances, services=services, horizon=horizon)
    if not plan.invoices:
        return plan
    # Formatted once: str() of a datetime costs more than the rest of a row put together.
    now = str(timezone.now())
    invoice_ids = reserve_ids(Invoice, len(plan.invoices))
    snapshots = {
        client_id: tuple(
            copy_text(value) if isinstance(value, str) else value for value in snapshot.values()
        )
        for client_id, snapshot in client_snapshots(
            {invoice.client_id for invoice in plan.invoices}
        ).items()
    }
    copy_rows(
        Invoice,
        INVOICE_COLUMNS,
        [
            (
                invoice_id,
                invoice.client_id,
                Invoice.Status.PAID if invoice.paid else Invoice.Status.UNPAID,
                today,
                invoice.due_date,
                now if invoice.paid else COPY_NULL,
                invoice.currency,
                "",
                invoice.total,
                ZERO,
                invoice.total,
                invoice.credit,
                ZERO,
                "",
                now,
                now,
                *snapshots[invoice.client_id],
            )
            for invoice_id, invoice in zip(invoice_ids, plan.invoices, strict=True)
        ],
    )
    copy_rows(
        InvoiceItem,
        ITEM_COLUMNS,
        [
            (invoice_id, service_id, due, copy_text(description), amount, False)
            for invoice_id, invoice in zip(invoice_ids, plan.invoices, strict=True)
            for service_id, due, description, amount in invoice.items
        ],
    )
    _set_next_due_dates(plan.next_due_dates)
    copy_rows(InvoiceEvent, EVENT_COLUMNS, _generated_events(invoice_ids, plan, actor, now))
    audit = actor_fields(actor)
    record_credit_entries(
        clients=_locked_clients(
            balances, {invoice.client_id for invoice in plan.invoices if invoice.credit}
        ),
        entries=[
            CreditEntry(
                client_id=invoice.client_id,
                invoice_id=invoice_id,
                amount=-invoice.credit,
                kind=CreditEntry.Kind.APPLIED,
                description=CREDIT_APPLIED_DESCRIPTION.format(number=invoice_id),
                date=today,
                **audit,
            )
            for invoice_id, invoice in zip(invoice_ids, plan.invoices, strict=True)
            if invoice.credit
        ],
    )
    return plan


def invoices_generate(
    *,
    today: date,
    actor=None,
    dry_run: bool = False,
    batch_size: int = GENERATION_BATCH_SIZE,
    progress=None,
) -> GenerationResult:
    """The daily run: invoice every Active service due within INVOICE_DAYS_IN_ADVANCE of
    ``today``, advance its next due date, apply credit as each client's credit policy says.

    Each batch of clients is its own transaction, so a run killed half-way keeps the batches
    it finished and a rerun picks up only what is still due. ``dry_run`` plans without locks
    or writes. ``progress`` is called with the running result after each batch.
    """
    horizon = today + timedelta(days=settings.INVOICE_DAYS_IN_ADVANCE)
    client_ids = selectors.client_ids_with_services_due(horizon=horizon)
    result = GenerationResult()
    for start in range(0, len(client_ids), batch_size):
        batch = client_ids[start : start + batch_size]
        if dry_run:
            balances, services = _batch_rows(batch, horizon=horizon, lock=False)
            plan = _plan_batch(clients=balances, services=services, horizon=horizon)
        else:
            plan = _generate_batch(client_ids=batch, today=today, horizon=horizon, actor=actor)
        result.batches += 1
        for invoice in plan.invoices:
            result.invoices += 1
            result.items += len(invoice.items)
            result.total += invoice.total
            result.credit_applied += invoice.credit
            result.paid_by_credit += invoice.paid and invoice.credit > ZERO
        if progress is not None:
            progress(result)
    return result
