from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from clients.models import Client
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from credits.tests.assertions import assert_credit_invariant
from invoices import services
from invoices.models import ClientService, Invoice, InvoiceEvent
from invoices.tests.factories import ClientServiceFactory, make_invoice
from transactions.models import Transaction

pytestmark = pytest.mark.django_db


def credit(client, amount):
    add_credit(client_id=client.pk, amount=amount, description="Prepay", actor=None)


def snapshot(invoice):
    """Everything a rejected operation must leave untouched."""
    invoice.refresh_from_db()
    invoice.client.refresh_from_db()
    return (
        invoice.status,
        invoice.credit_applied,
        invoice.amount_paid,
        invoice.client.credit_balance,
        CreditEntry.objects.count(),
        Transaction.objects.count(),
    )


def test_invoice_create_totals_items_and_takes_the_clients_currency():
    client = ClientFactory(currency="EUR")

    invoice = make_invoice(client, amounts=("10.00", "5.5", "-2.25"), due_date=date(2026, 12, 1))

    invoice.refresh_from_db()
    assert (invoice.subtotal, invoice.total, invoice.balance_due) == (Decimal("13.25"),) * 3
    assert (invoice.status, invoice.currency, invoice.due_date) == (
        Invoice.Status.UNPAID,
        "EUR",
        date(2026, 12, 1),
    )
    assert [item.amount for item in invoice.items.all()] == [
        Decimal("10.00"),
        Decimal("5.50"),
        Decimal("-2.25"),
    ]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"items": [{"description": "", "amount": "1"}]}, services.ITEM_DESCRIPTION_REQUIRED),
        ({"items": [{"description": "x", "amount": "-1"}]}, services.TOTAL_NEGATIVE),
        ({"items": [{"description": "x", "amount": "abc"}]}, "Enter an amount"),
        ({"items": [], "status": "Paid"}, "Invalid status Paid"),
        ({"items": [], "client_id": 0}, services.CLIENT_NOT_FOUND),
    ],
)
def test_invoice_create_rejects_bad_input_and_writes_nothing(kwargs, message):
    client = ClientFactory()
    kwargs = {"client_id": client.pk, **kwargs}
    with pytest.raises(ValidationError, match=message):
        services.invoice_create(actor=None, **kwargs)
    assert not Invoice.objects.exists()


def test_invoice_create_auto_apply_credit_partial():
    client = ClientFactory()
    credit(client, "12.00")

    invoice = make_invoice(client, auto_apply_credit=True)

    assert (invoice.status, invoice.credit_applied, invoice.balance_due) == (
        Invoice.Status.UNPAID,
        Decimal("12.00"),
        Decimal("18.00"),
    )
    client.refresh_from_db()
    assert client.credit_balance == Decimal("0.00")
    assert_credit_invariant()


def test_invoice_apply_credit_defaults_to_the_most_possible_and_pays_in_full():
    client = ClientFactory()
    credit(client, "50.00")
    invoice = make_invoice(client)

    entry = services.invoice_apply_credit(invoice_id=invoice.pk, actor=None)

    assert (entry.amount, entry.kind, entry.invoice_id) == (
        Decimal("-30.00"),
        CreditEntry.Kind.APPLIED,
        invoice.pk,
    )
    assert entry.description == f"Credit applied to invoice #{invoice.pk}"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.credit_applied, invoice.balance_due) == (
        Invoice.Status.PAID,
        Decimal("30.00"),
        Decimal("0.00"),
    )
    assert invoice.paid_at is not None
    client.refresh_from_db()
    assert client.credit_balance == Decimal("20.00")
    assert_credit_invariant()


def test_invoice_apply_credit_partial_amount_keeps_invoice_unpaid():
    client = ClientFactory()
    credit(client, "50.00")
    invoice = make_invoice(client)

    entry = services.invoice_apply_credit(invoice_id=invoice.pk, amount="10.00", actor=None)

    assert entry.amount == Decimal("-10.00")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance_due) == (Invoice.Status.UNPAID, Decimal("20.00"))
    client.refresh_from_db()
    assert client.credit_balance == Decimal("40.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("40.01", services.EXCEEDS_CREDIT_BALANCE),
        ("30.01", services.EXCEEDS_INVOICE_BALANCE),
        ("0", services.CREDIT_NOT_POSITIVE),
        ("-5", services.CREDIT_NOT_POSITIVE),
        ("ten", "Enter an amount"),
    ],
)
def test_invoice_apply_credit_bounds(amount, message):
    client = ClientFactory()
    credit(client, "40.00")
    invoice = make_invoice(client, amounts=("30.00",))
    before = snapshot(invoice)

    with pytest.raises(ValidationError, match=message):
        services.invoice_apply_credit(invoice_id=invoice.pk, amount=amount, actor=None)

    assert snapshot(invoice) == before


def test_invoice_apply_credit_refused_on_paid_and_cancelled_invoices():
    client = ClientFactory()
    credit(client, "100.00")
    paid = make_invoice(client)
    services.payment_record(invoice_id=paid.pk, gateway="paypal", actor=None)
    cancelled = services.invoice_cancel(invoice_id=make_invoice(client).pk, actor=None)

    for invoice in (paid, cancelled):
        before = snapshot(invoice)
        with pytest.raises(ValidationError, match=services.NOT_UNPAID):
            services.invoice_apply_credit(invoice_id=invoice.pk, amount="1.00", actor=None)
        assert snapshot(invoice) == before


def test_invoice_apply_credit_unknown_invoice():
    with pytest.raises(ValidationError, match=services.INVOICE_NOT_FOUND):
        services.invoice_apply_credit(invoice_id=999999, actor=None)


def test_invoice_remove_credit_returns_it_and_reopens_a_paid_invoice():
    client = ClientFactory()
    credit(client, "30.00")
    invoice = make_invoice(client, auto_apply_credit=True)
    assert invoice.status == Invoice.Status.PAID

    entry = services.invoice_remove_credit(invoice_id=invoice.pk, amount="12.00", actor=None)

    assert (entry.amount, entry.kind, entry.invoice_id) == (
        Decimal("12.00"),
        CreditEntry.Kind.UNAPPLIED,
        invoice.pk,
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at, invoice.credit_applied, invoice.balance_due) == (
        Invoice.Status.UNPAID,
        None,
        Decimal("18.00"),
        Decimal("12.00"),
    )
    client.refresh_from_db()
    assert client.credit_balance == Decimal("12.00")
    assert_credit_invariant()


def test_invoice_remove_credit_bounds():
    client = ClientFactory()
    credit(client, "10.00")
    invoice = make_invoice(client, auto_apply_credit=True)
    before = snapshot(invoice)

    for amount, message in (("10.01", "Only 10.00 credit"), ("0", services.REMOVE_NOT_POSITIVE)):
        with pytest.raises(ValidationError, match=message):
            services.invoice_remove_credit(invoice_id=invoice.pk, amount=amount, actor=None)

    assert snapshot(invoice) == before


def test_payment_record_in_full_marks_paid_and_creates_a_transaction():
    invoice = make_invoice()
    paid_at = timezone.make_aware(datetime(2026, 11, 20, 9, 30))

    txn = services.payment_record(
        invoice_id=invoice.pk,
        amount="30.00",
        gateway="paypal",
        transaction_id="PP-1",
        fees="1.20",
        date=paid_at,
        actor=None,
    )

    assert (txn.amount_in, txn.fees, txn.gateway, txn.transaction_id) == (
        Decimal("30.00"),
        Decimal("1.20"),
        "paypal",
        "PP-1",
    )
    assert (txn.invoice_id, txn.client_id, txn.currency, txn.date) == (
        invoice.pk,
        invoice.client_id,
        invoice.currency,
        paid_at,
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance_due, invoice.paid_at) == (
        Invoice.Status.PAID,
        Decimal("30.00"),
        Decimal("0.00"),
        paid_at,
    )
    assert not CreditEntry.objects.exists()


def test_payment_record_partial_then_overpayment_becomes_credit():
    invoice = make_invoice()
    services.payment_record(invoice_id=invoice.pk, amount="10.00", gateway="bank", actor=None)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance_due) == (Invoice.Status.UNPAID, Decimal("20.00"))

    services.payment_record(invoice_id=invoice.pk, amount="25.00", gateway="bank", actor=None)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance_due) == (
        Invoice.Status.PAID,
        Decimal("30.00"),
        Decimal("0.00"),
    )
    entry = CreditEntry.objects.get()
    assert (entry.amount, entry.kind, entry.invoice_id, entry.description) == (
        Decimal("5.00"),
        CreditEntry.Kind.OVERPAYMENT,
        invoice.pk,
        f"Overpayment on invoice #{invoice.pk}",
    )
    client = invoice.client
    client.refresh_from_db()
    assert client.credit_balance == Decimal("5.00")
    assert_credit_invariant()
    assert Transaction.objects.aggregate(total=Sum("amount_in"))["total"] == Decimal("35.00")


def test_a_payment_keeps_the_part_that_became_credit_on_its_transaction():
    invoice = make_invoice()
    first = services.payment_record(invoice_id=invoice.pk, amount="10.00", gateway="b", actor=None)
    overpaid = services.invoice_transaction_record(
        invoice_id=invoice.pk, amount_in="25.00", gateway="b", actor=None
    )
    on_paid = services.invoice_transaction_record(  # a Paid invoice: all of it is credit
        invoice_id=invoice.pk, amount_in="4.00", gateway="b", actor=None
    )

    assert [txn.overpayment for txn in (first, overpaid, on_paid)] == [
        Decimal("0.00"),
        Decimal("5.00"),
        Decimal("4.00"),
    ]


def test_transactions_delete_undoes_each_payment_split_and_keeps_the_credit_invariant():
    invoice = make_invoice()
    pks = [
        services.payment_record(invoice_id=invoice.pk, amount=a, gateway="b", actor=None).pk
        for a in ("10.00", "25.00")
    ]

    services.transactions_delete(ids=pks[1:], actor=None)

    invoice.refresh_from_db()
    invoice.client.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.UNPAID, Decimal("10.00"))
    assert invoice.client.credit_balance == Decimal("0.00")
    assert_credit_invariant()
    event = invoice.events.get(kind=InvoiceEvent.Kind.PAYMENT_DELETED)
    assert (event.amount, event.old_value, event.new_value) == (
        Decimal("25.00"),
        "0.00",
        "20.00",
    )


def test_transactions_delete_on_a_cancelled_invoice_lowers_what_was_paid():
    invoice = make_invoice()
    txn = services.payment_record(invoice_id=invoice.pk, amount="10.00", gateway="b", actor=None)
    services.invoice_cancel(invoice_id=invoice.pk, actor=None)

    services.transactions_delete(ids=[txn.pk], actor=None)

    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.CANCELLED, Decimal("0.00"))


def paid_twice(invoices: int) -> list[int]:
    """Two payments on each of ``invoices`` new invoices of 10.00, the second overpaying."""
    pks = []
    for _ in range(invoices):
        invoice = make_invoice(amount="10.00")
        for amount in ("4.00", "9.00"):
            txn = services.payment_record(
                invoice_id=invoice.pk, amount=amount, gateway="b", actor=None
            )
            pks.append(txn.pk)
    return pks


def test_transactions_delete_queries_do_not_grow_with_rows(django_assert_max_num_queries):
    one = paid_twice(1)
    with django_assert_max_num_queries(20) as few:
        services.transactions_delete(ids=one, actor=None)
    many = paid_twice(5)

    with django_assert_max_num_queries(len(few.captured_queries)):
        services.transactions_delete(ids=many, actor=None)

    assert not Transaction.objects.exists()
    assert CreditEntry.objects.filter(kind=CreditEntry.Kind.OVERPAYMENT_REVERSED).count() == 6
    assert not Invoice.objects.exclude(amount_paid=0).exists()
    assert_credit_invariant()


def test_payment_record_refused_on_cancelled_and_bad_input():
    cancelled = services.invoice_cancel(invoice_id=make_invoice().pk, actor=None)
    open_invoice = make_invoice()
    cases = [
        (cancelled, {"amount": "5.00", "gateway": "paypal"}, services.PAYMENT_ON_CANCELLED),
        (open_invoice, {"amount": "0", "gateway": "paypal"}, services.PAYMENT_NOT_POSITIVE),
        (open_invoice, {"amount": "5.00", "gateway": " "}, services.GATEWAY_REQUIRED),
        (open_invoice, {"amount": "x", "gateway": "paypal"}, "Enter an amount"),
    ]
    for invoice, kwargs, message in cases:
        before = snapshot(invoice)
        with pytest.raises(ValidationError, match=message):
            services.payment_record(invoice_id=invoice.pk, actor=None, **kwargs)
        assert snapshot(invoice) == before


def test_invoice_cancel_returns_applied_credit():
    client = ClientFactory()
    credit(client, "10.00")
    invoice = make_invoice(client, auto_apply_credit=True)

    cancelled = services.invoice_cancel(invoice_id=invoice.pk, actor=None)

    assert (cancelled.status, cancelled.credit_applied) == (Invoice.Status.CANCELLED, Decimal("0"))
    entry = CreditEntry.objects.get(kind=CreditEntry.Kind.UNAPPLIED)
    assert (entry.amount, entry.invoice_id) == (Decimal("10.00"), invoice.pk)
    client.refresh_from_db()
    assert client.credit_balance == Decimal("10.00")
    assert_credit_invariant()
    with pytest.raises(ValidationError, match="this one is Cancelled"):
        services.invoice_cancel(invoice_id=invoice.pk, actor=None)


def test_client_close_cancels_open_invoices_and_services(django_assert_max_num_queries):
    client = ClientFactory()
    credit(client, "15.00")
    open_invoices = [make_invoice(client, auto_apply_credit=True) for _ in range(3)]
    paid = make_invoice(client)
    services.payment_record(invoice_id=paid.pk, gateway="paypal", actor=None)
    live = [ClientServiceFactory(client=client, status=status) for status in ("Active", "Pending")]
    terminated = ClientServiceFactory(client=client, status=ClientService.Status.TERMINATED)

    # One statement per kind of row, not per invoice (the 15th inserts the cancelled events).
    with django_assert_max_num_queries(15):
        services.client_close(client_id=client.pk, actor=None)

    client.refresh_from_db()
    assert client.status == Client.Status.CLOSED
    assert client.credit_balance == Decimal("15.00")
    assert_credit_invariant()
    for invoice in open_invoices:
        invoice.refresh_from_db()
        assert (invoice.status, invoice.credit_applied) == (Invoice.Status.CANCELLED, Decimal("0"))
    paid.refresh_from_db()
    assert paid.status == Invoice.Status.PAID
    for service in live:
        service.refresh_from_db()
        assert service.status == ClientService.Status.CANCELLED
    terminated.refresh_from_db()
    assert terminated.status == ClientService.Status.TERMINATED
    cancelled_events = InvoiceEvent.objects.filter(kind=InvoiceEvent.Kind.CANCELLED)
    assert sorted(cancelled_events.values_list("invoice_id", "old_value", "new_value")) == [
        (invoice.pk, Invoice.Status.UNPAID, Invoice.Status.CANCELLED) for invoice in open_invoices
    ]
