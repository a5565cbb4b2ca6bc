"""invoice_update (WHMCS UpdateInvoice): lines, totals, dates, notes, status, publish, credit."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from credits.tests.assertions import assert_credit_invariant
from invoices.models import Invoice, InvoiceEvent, InvoiceItem
from invoices.services import (
    DRAFT_WITH_MONEY,
    LINES_NOT_EDITABLE,
    PUBLISH_NOT_DRAFT,
    STATUS_NOT_SETTABLE,
    TOTAL_BELOW_SETTLED,
    invoice_update,
    payment_record,
)
from invoices.tests.factories import make_invoice

pytestmark = pytest.mark.django_db


def state(invoice):
    """Everything a refused update must leave as it was."""
    invoice.refresh_from_db()
    invoice.client.refresh_from_db()
    return (
        invoice.status,
        invoice.total,
        invoice.credit_applied,
        invoice.notes,
        invoice.due_date,
        invoice.client.credit_balance,
        sorted(invoice.items.values_list("pk", "description", "amount")),
        CreditEntry.objects.count(),
        invoice.events.count(),
    )


def test_invoice_update_edits_adds_and_deletes_lines_and_recomputes_totals():
    invoice = make_invoice(amounts=("10.00", "5.00"))
    first, second = invoice.items.order_by("pk")

    updated = invoice_update(
        invoice_id=invoice.pk,
        actor=None,
        item_changes={first.pk: {"description": "Hosting (corrected)", "amount": "12.00"}},
        delete_item_ids=[second.pk],
        new_items=[{"description": "Domain", "amount": "8.50", "taxed": True}],
        notes="Corrected",
        due_date=date(2026, 12, 31),
        payment_method="banktransfer",
    )

    assert (updated.subtotal, updated.total) == (Decimal("20.50"), Decimal("20.50"))
    assert (updated.notes, updated.due_date, updated.payment_method) == (
        "Corrected",
        date(2026, 12, 31),
        "banktransfer",
    )
    assert list(updated.items.values_list("description", "amount", "taxed")) == [
        ("Hosting (corrected)", Decimal("12.00"), False),
        ("Domain", Decimal("8.50"), True),
    ]


def test_invoice_update_records_who_changed_the_total(admin_user):
    invoice = make_invoice(amounts=("10.00", "5.00"))
    first = invoice.items.order_by("pk").first()

    invoice_update(
        invoice_id=invoice.pk,
        actor=admin_user,
        item_changes={first.pk: {"description": "Hosting", "amount": "12.00"}},
    )
    invoice_update(invoice_id=invoice.pk, actor=admin_user, notes="Only notes: total unchanged")

    event = invoice.events.get(kind=InvoiceEvent.Kind.TOTAL_CHANGED)
    assert (event.old_value, event.new_value, event.amount) == ("15.00", "17.00", Decimal("2.00"))
    assert (event.actor_user, event.actor_label) == (admin_user, admin_user.username)


def test_invoice_update_refuses_a_total_below_what_is_settled_and_writes_nothing():
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="6.00", description="Prepay", actor=None)
    invoice = make_invoice(amount="10.00", client=client)
    payment_record(invoice_id=invoice.pk, gateway="paypal", amount="3.00", actor=None)
    invoice_update(invoice_id=invoice.pk, actor=None, credit="6.00")
    line = invoice.items.get()
    before = state(invoice)

    with pytest.raises(ValidationError) as refused:
        invoice_update(
            invoice_id=invoice.pk,
            actor=None,
            item_changes={line.pk: {"description": "x", "amount": "8.99"}},
        )

    assert refused.value.message_dict == {"items": [TOTAL_BELOW_SETTLED.format(settled="9.00")]}
    assert state(invoice) == before


def test_invoice_update_to_exactly_the_settled_amount_marks_it_paid():
    invoice = make_invoice(amount="10.00")
    payment_record(invoice_id=invoice.pk, gateway="paypal", amount="7.00", actor=None)
    line = invoice.items.get()
    updated = invoice_update(
        invoice_id=invoice.pk,
        actor=None,
        item_changes={line.pk: {"description": "Discounted", "amount": "7.00"}},
    )
    assert (updated.status, updated.total, updated.amount_paid) == (
        Invoice.Status.PAID,
        Decimal("7.00"),
        Decimal("7.00"),
    )
    assert updated.paid_at is not None


def test_invoice_update_sets_the_credit_applied_through_the_ledger():
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="20.00", description="Prepay", actor=None)
    invoice = make_invoice(amount="15.00", client=client)

    raised = invoice_update(invoice_id=invoice.pk, actor=None, credit="12.00")
    client.refresh_from_db()
    assert (raised.credit_applied, client.credit_balance) == (Decimal("12.00"), Decimal("8.00"))
    lowered = invoice_update(invoice_id=invoice.pk, actor=None, credit="5.00")
    client.refresh_from_db()
    assert (lowered.credit_applied, client.credit_balance) == (Decimal("5.00"), Decimal("15.00"))
    assert list(
        CreditEntry.objects.filter(invoice=invoice).order_by("pk").values_list("kind", "amount")
    ) == [
        (CreditEntry.Kind.APPLIED, Decimal("-12.00")),
        (CreditEntry.Kind.UNAPPLIED, Decimal("7.00")),
    ]
    assert_credit_invariant()


def test_invoice_update_publishes_a_draft_only(admin_user):
    draft = make_invoice(amount="10.00", status=Invoice.Status.DRAFT)
    assert invoice_update(invoice_id=draft.pk, actor=admin_user, publish=True).status == (
        Invoice.Status.UNPAID
    )
    event = draft.events.get(kind=InvoiceEvent.Kind.STATUS_CHANGED)
    assert (event.old_value, event.new_value, event.actor_user) == (
        Invoice.Status.DRAFT,
        Invoice.Status.UNPAID,
        admin_user,
    )
    with pytest.raises(ValidationError) as refused:
        invoice_update(invoice_id=draft.pk, actor=None, publish=True)
    assert refused.value.messages == [PUBLISH_NOT_DRAFT]


def test_invoice_update_cancel_returns_applied_credit():
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="4.00", description="Prepay", actor=None)
    invoice = make_invoice(amount="10.00", client=client)
    invoice_update(invoice_id=invoice.pk, actor=None, credit="4.00")

    cancelled = invoice_update(invoice_id=invoice.pk, actor=None, status=Invoice.Status.CANCELLED)

    client.refresh_from_db()
    assert (cancelled.status, cancelled.credit_applied) == (Invoice.Status.CANCELLED, Decimal("0"))
    assert client.credit_balance == Decimal("4.00")
    assert_credit_invariant()


@pytest.mark.parametrize(
    ("prepare", "arguments", "expected"),
    [
        ("unpaid", {"status": "Paid"}, {"status": [STATUS_NOT_SETTABLE.format(status="Paid")]}),
        ("unpaid", {"status": "Bogus"}, {"status": ["Invalid status Bogus"]}),
        ("paid_in_part", {"status": "Draft"}, {"status": [DRAFT_WITH_MONEY]}),
        ("unpaid", {"delete_item_ids": [999_999]}, None),
        ("unpaid", {"new_items": [{"description": " ", "amount": "1"}]}, None),
        ("unpaid", {"new_items": [{"description": "x", "amount": "abc"}]}, None),
        ("unpaid", {"new_items": [{"description": "x", "amount": "-50"}]}, None),
        ("unpaid", {"credit": "1.00"}, None),  # the client has no credit
        (
            "cancelled",
            {"new_items": [{"description": "x", "amount": "1"}]},
            {"items": [LINES_NOT_EDITABLE.format(status="Cancelled")]},
        ),
    ],
)
def test_invoice_update_refusals_write_nothing(prepare, arguments, expected):
    invoice = make_invoice(amount="10.00")
    if prepare == "paid_in_part":
        payment_record(invoice_id=invoice.pk, gateway="paypal", amount="1.00", actor=None)
    if prepare == "cancelled":
        invoice_update(invoice_id=invoice.pk, actor=None, status=Invoice.Status.CANCELLED)
    before = state(invoice)

    with pytest.raises(ValidationError) as refused:
        invoice_update(invoice_id=invoice.pk, actor=None, notes="changed", **arguments)

    if expected is not None:
        assert refused.value.message_dict == expected
    assert state(invoice) == before


def test_invoice_update_of_a_missing_invoice():
    with pytest.raises(ValidationError) as refused:
        invoice_update(invoice_id=999_999, actor=None, notes="x")
    assert refused.value.messages == ["Invoice ID Not Found"]
    assert not InvoiceItem.objects.exists()
