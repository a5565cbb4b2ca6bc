from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from clients.models import Client
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from credits.tests.assertions import assert_credit_invariant
from invoices import services
from invoices.models import ClientService, Invoice, InvoiceItem
from invoices.services import generation, invoices_generate
from invoices.tests.factories import ClientServiceFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 24)
Cycle = ClientService.BillingCycle


@pytest.fixture(autouse=True)
def billing_settings(settings):
    settings.INVOICE_DAYS_IN_ADVANCE = 7
    settings.AUTO_APPLY_CREDIT = True


def generate(**kwargs):
    return call_command("generate_invoices", f"--date={TODAY}", stdout=StringIO(), **kwargs)


def test_invoices_generate_bills_due_services_and_advances_next_due_date():
    service = ClientServiceFactory(next_due_date=date(2026, 11, 30), recurring_amount="12.50")
    not_yet_due = ClientServiceFactory(next_due_date=date(2026, 12, 2))

    result = invoices_generate(today=TODAY)

    assert (result.invoices, result.items, result.total) == (1, 1, Decimal("12.50"))
    invoice = Invoice.objects.get()
    assert invoice.client == service.client
    assert (invoice.date, invoice.due_date) == (TODAY, date(2026, 11, 30))
    assert (invoice.subtotal, invoice.total, invoice.balance_due) == (Decimal("12.50"),) * 3
    assert invoice.status == Invoice.Status.UNPAID
    assert invoice.currency == service.client.currency
    item = invoice.items.get()
    assert (item.service, item.service_due_date, item.amount) == (
        service,
        date(2026, 11, 30),
        Decimal("12.50"),
    )
    assert "(2026-11-30 - 2026-12-29)" in item.description
    service.refresh_from_db()
    not_yet_due.refresh_from_db()
    assert service.next_due_date == date(2026, 12, 30)
    assert not_yet_due.next_due_date == date(2026, 12, 2)


@pytest.mark.parametrize(
    ("cycle", "due", "registered", "expected"),
    [
        (Cycle.MONTHLY, date(2026, 11, 24), date(2026, 10, 24), date(2026, 12, 24)),
        (Cycle.QUARTERLY, date(2026, 11, 30), date(2026, 8, 30), date(2027, 2, 28)),
        (Cycle.SEMI_ANNUALLY, date(2026, 11, 24), date(2026, 5, 24), date(2027, 5, 24)),
        (Cycle.ANNUALLY, date(2026, 11, 24), date(2025, 11, 24), date(2027, 11, 24)),
        (Cycle.ONE_TIME, date(2026, 11, 24), date(2026, 11, 24), None),
    ],
)
def test_invoices_generate_advances_by_cycle(cycle, due, registered, expected):
    service = ClientServiceFactory(
        billing_cycle=cycle, next_due_date=due, registration_date=registered
    )

    invoices_generate(today=TODAY)

    service.refresh_from_db()
    assert service.next_due_date == expected
    assert InvoiceItem.objects.get().service_due_date == due


@pytest.mark.parametrize(
    ("due", "registered", "expected"),
    [
        (date(2027, 1, 31), date(2026, 1, 31), date(2027, 2, 28)),  # clamped to February's end
        (date(2028, 1, 31), date(2026, 1, 31), date(2028, 2, 29)),  # leap year
        (date(2027, 2, 28), date(2026, 1, 31), date(2027, 3, 31)),  # back to the 31st
        (date(2027, 2, 28), date(2026, 1, 30), date(2027, 3, 30)),
        (date(2027, 3, 31), date(2026, 1, 31), date(2027, 4, 30)),
        (date(2027, 4, 30), date(2026, 4, 30), date(2027, 5, 30)),  # a 30th stays the 30th
        (date(2027, 2, 15), date(2026, 1, 31), date(2027, 3, 15)),  # a date moved by staff
    ],
)
def test_next_due_date_keeps_the_billing_day_across_month_ends(due, registered, expected):
    day = services.billing_day(due, registered)
    assert services.next_due_date_after(due, cycle=Cycle.MONTHLY, day=day) == expected


def test_invoices_generate_month_end_sequence_end_to_end():
    service = ClientServiceFactory(
        next_due_date=date(2027, 1, 31), registration_date=date(2026, 1, 31)
    )
    for run_day in (date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)):
        invoices_generate(today=run_day)
    assert list(
        InvoiceItem.objects.order_by("service_due_date").values_list("service_due_date", flat=True)
    ) == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
    service.refresh_from_db()
    assert service.next_due_date == date(2027, 4, 30)


def test_invoices_generate_catches_up_every_missed_period():
    service = ClientServiceFactory(next_due_date=date(2026, 9, 24))

    result = invoices_generate(today=TODAY)

    assert result.invoices == 3  # Sep 24, Oct 24, Nov 24: one invoice per due date
    service.refresh_from_db()
    assert service.next_due_date == date(2026, 12, 24)


def test_invoices_generate_groups_one_clients_services_due_the_same_day():
    client = ClientFactory()
    ClientServiceFactory(client=client, recurring_amount="10.00")
    ClientServiceFactory(client=client, recurring_amount="5.25")
    ClientServiceFactory(client=client, next_due_date=date(2026, 11, 28))

    invoices_generate(today=TODAY)

    invoices = list(Invoice.objects.order_by("due_date"))
    assert [(i.due_date, i.total, i.items.count()) for i in invoices] == [
        (TODAY, Decimal("15.25"), 2),
        (date(2026, 11, 28), Decimal("10.00"), 1),
    ]


def test_invoices_generate_bills_inactive_clients_but_not_dead_services():
    inactive_client = ClientFactory(status=Client.Status.INACTIVE)
    billed = ClientServiceFactory(client=inactive_client)
    for status in ("Pending", "Suspended", "Terminated", "Cancelled"):
        ClientServiceFactory(status=status)
    closed_client = ClientFactory(status=Client.Status.CLOSED)
    ClientServiceFactory(client=closed_client, status=ClientService.Status.CANCELLED)

    result = invoices_generate(today=TODAY)

    assert result.invoices == 1
    assert Invoice.objects.get().client == inactive_client
    assert InvoiceItem.objects.get().service == billed


def test_invoices_generate_credit_covers_the_invoice():
    service = ClientServiceFactory(recurring_amount="30.00")
    add_credit(client_id=service.client_id, amount="50.00", description="Prepay", actor=None)

    result = invoices_generate(today=TODAY)

    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.credit_applied, invoice.balance_due) == (
        Invoice.Status.PAID,
        Decimal("30.00"),
        Decimal("0.00"),
    )
    assert invoice.paid_at is not None
    assert (result.credit_applied, result.paid_by_credit) == (Decimal("30.00"), 1)
    entry = CreditEntry.objects.get(kind=CreditEntry.Kind.APPLIED)
    assert (entry.amount, entry.invoice, entry.date) == (Decimal("-30.00"), invoice, TODAY)
    assert entry.description == f"Credit applied to invoice #{invoice.pk}"
    assert entry.actor_label == "system"
    service.client.refresh_from_db()
    assert service.client.credit_balance == Decimal("20.00")
    assert_credit_invariant()


def test_invoices_generate_partial_credit_spreads_over_invoices_earliest_first():
    client = ClientFactory()
    ClientServiceFactory(client=client, recurring_amount="30.00", next_due_date=date(2026, 11, 25))
    ClientServiceFactory(client=client, recurring_amount="30.00", next_due_date=date(2026, 11, 26))
    add_credit(client_id=client.pk, amount="40.00", description="Prepay", actor=None)

    invoices_generate(today=TODAY)

    first, second = Invoice.objects.order_by("due_date")
    assert (first.status, first.credit_applied) == (Invoice.Status.PAID, Decimal("30.00"))
    assert (second.status, second.credit_applied, second.balance_due) == (
        Invoice.Status.UNPAID,
        Decimal("10.00"),
        Decimal("20.00"),
    )
    assert second.paid_at is None
    client.refresh_from_db()
    assert client.credit_balance == Decimal("0.00")
    assert_credit_invariant()


def test_invoices_generate_with_auto_apply_off_leaves_credit_alone(settings):
    settings.AUTO_APPLY_CREDIT = False
    service = ClientServiceFactory(recurring_amount="30.00")
    add_credit(client_id=service.client_id, amount="50.00", description="Prepay", actor=None)

    invoices_generate(today=TODAY)

    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.credit_applied) == (Invoice.Status.UNPAID, Decimal("0.00"))
    assert not CreditEntry.objects.filter(kind=CreditEntry.Kind.APPLIED).exists()
    service.client.refresh_from_db()
    assert service.client.credit_balance == Decimal("50.00")


def test_generate_invoices_command_is_idempotent():
    ClientServiceFactory.create_batch(3)
    out = StringIO()

    call_command("generate_invoices", f"--date={TODAY}", stdout=out, stderr=StringIO())
    call_command("generate_invoices", f"--date={TODAY}", stdout=out, stderr=StringIO())

    assert Invoice.objects.count() == 3
    first, second = out.getvalue().splitlines()
    assert first.startswith("Created 3 invoices")
    assert second.startswith("Created 0 invoices")


def test_generate_invoices_dry_run_writes_nothing():
    service = ClientServiceFactory()
    add_credit(client_id=service.client_id, amount="5.00", description="Prepay", actor=None)
    out = StringIO()

    call_command("generate_invoices", f"--date={TODAY}", "--dry-run", stdout=out, stderr=StringIO())

    assert out.getvalue().startswith("Would create 1 invoices (1 items, total 10.00)")
    assert "credit applied 5.00" in out.getvalue()
    assert not Invoice.objects.exists()
    service.refresh_from_db()
    assert service.next_due_date == TODAY


def test_generate_invoices_rejects_a_bad_date():
    ClientServiceFactory()
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("generate_invoices", "--date=24/11/2026", stdout=StringIO())
    assert not Invoice.objects.exists()


def test_invoices_generate_crash_mid_run_then_rerun_bills_and_credits_once(monkeypatch):
    clients = ClientFactory.create_batch(4)
    for client in clients:
        ClientServiceFactory(client=client, recurring_amount="20.00")
        add_credit(client_id=client.pk, amount="15.00", description="Prepay", actor=None)
    real_set_next_due_dates = generation._set_next_due_dates
    calls = []

    def crash_on_second_batch(next_due_dates):
        calls.append(next_due_dates)
        real_set_next_due_dates(next_due_dates)
        if len(calls) == 2:
            raise RuntimeError("killed")

    monkeypatch.setattr(generation, "_set_next_due_dates", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        invoices_generate(today=TODAY, batch_size=2)
    assert Invoice.objects.count() == 2  # the first batch committed, the second rolled back

    monkeypatch.setattr(generation, "_set_next_due_dates", real_set_next_due_dates)
    result = invoices_generate(today=TODAY, batch_size=2)
    invoices_generate(today=TODAY, batch_size=2)

    assert result.invoices == 2
    assert InvoiceItem.objects.count() == 4
    assert CreditEntry.objects.filter(kind=CreditEntry.Kind.APPLIED).count() == 4
    for client in clients:
        invoice = client.invoices.get()
        assert (invoice.credit_applied, invoice.balance_due) == (Decimal("15.00"), Decimal("5.00"))
        client.refresh_from_db()
        assert client.credit_balance == Decimal("0.00")
        assert_credit_invariant()


def test_invoices_generate_query_count_does_not_grow_with_invoices(
    django_assert_num_queries, django_assert_max_num_queries
):
    def make_due_clients(count):
        for client in ClientFactory.create_batch(count):
            ClientServiceFactory.create_batch(2, client=client)
            ClientServiceFactory(client=client, next_due_date=date(2026, 11, 27))
            add_credit(client_id=client.pk, amount="12.00", description="Prepay", actor=None)

    make_due_clients(2)
    # 14: two of them read the invoiced clients' identity and billing contacts for the
    # invoices' snapshot.
    with django_assert_max_num_queries(14) as small:
        assert invoices_generate(today=TODAY).invoices == 4
    make_due_clients(20)
    with django_assert_num_queries(len(small.captured_queries)):
        assert invoices_generate(today=TODAY).invoices == 40


def test_invoices_generate_keeps_awkward_text_intact():
    awkward = "Web\tHosting \\ N\nline two\r"
    ClientServiceFactory(product_name=awkward, description="\\N")

    invoices_generate(today=TODAY)

    assert InvoiceItem.objects.get().description.startswith(f"{awkward} - \\N (2026-11-24")


def test_invoices_generate_free_service_invoice_is_paid_without_credit():
    service = ClientServiceFactory(recurring_amount="0.00")
    add_credit(client_id=service.client_id, amount="5.00", description="Prepay", actor=None)

    result = invoices_generate(today=TODAY)

    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.total, invoice.credit_applied) == (
        Invoice.Status.PAID,
        Decimal("0.00"),
        Decimal("0.00"),
    )
    assert (result.invoices, result.paid_by_credit) == (1, 0)
    assert not CreditEntry.objects.filter(kind=CreditEntry.Kind.APPLIED).exists()


def test_invoices_generate_database_refuses_billing_a_period_twice():
    service = ClientServiceFactory(recurring_amount="20.00")
    add_credit(client_id=service.client_id, amount="20.00", description="Prepay", actor=None)
    other = services.invoice_create(
        client_id=service.client_id, items=[{"description": "x", "amount": "1"}], actor=None
    )
    # A period already billed (as if by a run whose due-date update was lost).
    InvoiceItem.objects.create(
        invoice=other, service=service, service_due_date=TODAY, description="x", amount="1"
    )

    with pytest.raises(IntegrityError):
        with transaction.atomic():
            invoices_generate(today=TODAY)

    assert Invoice.objects.count() == 1
    service.refresh_from_db()
    service.client.refresh_from_db()
    assert service.next_due_date == TODAY
    assert service.client.credit_balance == Decimal("20.00")


def test_generate_invoices_progress_comes_before_the_summary_never_after():
    ClientServiceFactory.create_batch(2)
    out = StringIO()

    # One stream for both, as a terminal shows them; -v 2 asks for progress off a terminal.
    call_command("generate_invoices", f"--date={TODAY}", "-v", "2", stdout=out, stderr=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("batch 1: 2 invoices so far")
    assert lines[-1].startswith("Created 2 invoices")


def test_generate_invoices_captured_output_is_the_summary_alone():
    ClientServiceFactory.create_batch(2)
    out, err = StringIO(), StringIO()

    call_command("generate_invoices", f"--date={TODAY}", stdout=out, stderr=err)

    assert out.getvalue().startswith("Created 2 invoices")
    assert err.getvalue() == ""
