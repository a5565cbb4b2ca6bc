"""Random histories of invoices, payments, credit, refunds and cancellations, built through the
real services: the statement's closing balance equals what the invoices say is due less the
credit held, and opening + movements == closing for any split of the range.

Payments come both ways staff and scripts record them: AddInvoicePayment (``payment_record``)
and AddTransaction with an invoiceid (``invoice_transaction_record``: money in on any issued
invoice, a refund of what was paid on it, or a transaction on a Draft, which is refused).
Transactions are deleted too, one or two at a time (``transactions_delete``): a payment's or
refund's effect on its invoice and the credit its overpayment added are undone, or the deletion
is refused when that credit was spent or the invoice was refunded or paid again since."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.tests.factories import ClientFactory
from credits.services import add_credit, adjust_balance, remove_credit
from invoices.models import BALANCE_DUE, Invoice
from invoices.selectors import OPEN_INVOICES
from invoices.services import (
    invoice_apply_credit,
    invoice_cancel,
    invoice_create,
    invoice_remove_credit,
    invoice_transaction_record,
    payment_record,
    transactions_delete,
)
from statements.selectors import EVERYTHING_START, client_statement
from transactions.models import Transaction
from transactions.services import transaction_create

pytestmark = pytest.mark.django_db

ZERO = Decimal("0.00")
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300.00"), places=2)
days_ago = st.integers(min_value=0, max_value=120)
pick = st.integers(min_value=0, max_value=1000)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), amounts, days_ago),
        st.tuples(st.just("draft"), amounts),
        st.tuples(st.just("pay"), amounts, days_ago, pick),
        st.tuples(st.just("add_transaction_in"), amounts, days_ago, pick),
        st.tuples(st.just("add_transaction_out"), amounts, days_ago, pick),
        st.tuples(st.just("add_credit"), amounts, days_ago),
        st.tuples(st.just("refund_credit"), amounts, days_ago),
        st.tuples(st.just("apply_credit"), pick),
        st.tuples(st.just("unapply_credit"), amounts, pick),
        st.tuples(st.just("cancel"), pick),
        st.tuples(st.just("adjust"), amounts),
        st.tuples(st.just("loose_transaction"), amounts),
        st.tuples(st.just("delete_transactions"), st.booleans(), pick, pick),
    ),
    min_size=1,
    max_size=15,
)


def owed_from_the_invoices(client) -> Decimal:
    """Due on open invoices less the credit held, straight from the invoices and the client."""
    client.refresh_from_db()
    due = Invoice.objects.filter(OPEN_INVOICES, client=client).aggregate(due=Sum(BALANCE_DUE))
    return (due["due"] or ZERO) - client.credit_balance


def run(operation, client, today):
    name, *args = operation
    invoices = list(Invoice.objects.filter(client=client).order_by("pk"))
    index = args[-1] if isinstance(args[-1], int) else 0
    chosen = invoices[index % len(invoices)] if invoices else None
    if name == "invoice":
        amount, ago = args
        day = today - timedelta(days=ago)
        invoice_create(
            client_id=client.pk,
            items=[{"description": "Hosting", "amount": amount}],
            actor=None,
            date=day,
            due_date=day + timedelta(days=7),
        )
    elif name == "draft":
        invoice_create(
            client_id=client.pk,
            items=[{"description": "Setup", "amount": args[0]}],
            actor=None,
            status=Invoice.Status.DRAFT,
        )
    elif name in ("add_transaction_in", "add_transaction_out") and chosen is not None:
        # AddTransaction with an invoiceid: money in pays it (or becomes credit), money out
        # refunds it; on a Draft, or beyond what was paid, it is refused.
        amount, ago, _ = args
        if name == "add_transaction_in":
            money = {"amount_in": amount}
        else:  # at most what was paid, so refunds happen (refusing more is tested by the API's)
            money = {"amount_out": min(amount, chosen.amount_paid) or amount}
        invoice_transaction_record(
            invoice_id=chosen.pk,
            gateway="paypal",
            actor=None,
            date=today - timedelta(days=ago),
            **money,
        )
    elif name == "pay" and chosen is not None:
        amount, ago, _ = args
        payment_record(
            invoice_id=chosen.pk,
            gateway="bank",
            amount=amount,
            actor=None,
            date=today - timedelta(days=ago),
        )
    elif name == "add_credit":
        amount, ago = args
        add_credit(
            client_id=client.pk,
            amount=amount,
            description="Prepaid",
            actor=None,
            date=today - timedelta(days=ago),
        )
    elif name == "refund_credit":
        amount, ago = args
        remove_credit(
            client_id=client.pk,
            amount=amount,
            description="Refund to card",
            actor=None,
            date=today - timedelta(days=ago),
        )
    elif name == "apply_credit" and chosen is not None:
        invoice_apply_credit(invoice_id=chosen.pk, actor=None)
    elif name == "unapply_credit" and chosen is not None:
        invoice_remove_credit(invoice_id=chosen.pk, amount=args[0], actor=None)
    elif name == "cancel" and chosen is not None:
        invoice_cancel(invoice_id=chosen.pk, actor=None)
    elif name == "adjust":
        adjust_balance(client_id=client.pk, new_balance=args[0], actor=None)
    elif name == "loose_transaction":
        # Money with no invoice: not on the statement, and deleting it changes nothing there.
        transaction_create(
            client=client, gateway="bank", amount_in=args[0], description="Deposit", actor=None
        )
    elif name == "delete_transactions":
        both, first, second = args
        txns = list(Transaction.objects.filter(client=client).order_by("pk"))
        if txns:
            picked = {txns[first % len(txns)].pk}
            if both:
                picked.add(txns[second % len(txns)].pk)
            transactions_delete(ids=picked, actor=None)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations, split=st.integers(min_value=0, max_value=121))
def test_statement_agrees_with_the_invoices_for_any_split(operations, split):
    client = ClientFactory()
    today = timezone.localdate()
    for operation in operations:
        try:
            run(operation, client, today)
        except ValidationError:
            pass  # refused (too much credit, nothing due, ...): nothing was written

    everything = client_statement(client, start=EVERYTHING_START, end=today)
    assert everything.opening == ZERO
    assert everything.closing == owed_from_the_invoices(client)
    assert everything.closing_credit == client.credit_balance
    assert everything.opening + sum((line.amount for line in everything.lines), ZERO) == (
        everything.closing
    )

    middle = today - timedelta(days=split)
    first = client_statement(client, start=today - timedelta(days=121), end=middle)
    second = client_statement(client, start=middle + timedelta(days=1), end=today)
    for part in (first, second):
        assert part.opening + sum((line.amount for line in part.lines), ZERO) == part.closing
        assert part.opening_credit + sum((line.credit for line in part.lines), ZERO) == (
            part.closing_credit
        )
        if part.lines:
            assert part.lines[-1].balance == part.closing
    assert first.closing == second.opening
    assert second.closing == everything.closing
    assert first.opening == ZERO  # nothing before the first day
    assert date.min <= first.start
