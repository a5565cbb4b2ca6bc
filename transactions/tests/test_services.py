"""transactions.services: unique gateway ids, transactions taken as credit, audited edits."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from billing_admin.tests.threads import run_at_once
from clients.models import Client, ClientDeletion
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from invoices.services import invoice_create, payment_record
from transactions.models import Transaction, TransactionChange, TransactionDeletion
from transactions.services import (
    CURRENCY_NOT_CLIENTS,
    INVOICE_PAYMENT_FROZEN,
    TRANSACTION_ID_TAKEN,
    client_delete,
    transaction_create_as_credit,
    transaction_update,
)
from transactions.tests.factories import make_transaction

pytestmark = pytest.mark.django_db


def test_transaction_create_refuses_a_taken_transaction_id_when_asked():
    client = ClientFactory()
    make_transaction(client=client, transaction_id="GW-1")
    with pytest.raises(ValidationError) as refused:
        make_transaction(client=client, transaction_id="GW-1", allow_duplicate_transaction_id=False)
    assert refused.value.message_dict == {"transaction_id": [TRANSACTION_ID_TAKEN]}
    assert Transaction.objects.filter(transaction_id="GW-1").count() == 1


def test_transaction_create_allows_duplicates_by_default_and_blank_ids_always():
    client = ClientFactory()
    make_transaction(client=client, transaction_id="GW-1")
    make_transaction(client=client, transaction_id="GW-1")
    make_transaction(client=client, allow_duplicate_transaction_id=False)
    make_transaction(client=client, allow_duplicate_transaction_id=False)
    assert Transaction.objects.filter(transaction_id="GW-1").count() == 2
    assert Transaction.objects.filter(transaction_id="").count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_transaction_id_write_exactly_one_row():
    client = ClientFactory()
    writers = 4

    def create():
        make_transaction(
            client=client, transaction_id="RACE-1", allow_duplicate_transaction_id=False
        )
        return "created"

    outcomes = [
        outcome if outcome == "created" else outcome.message_dict["transaction_id"][0]
        for outcome in run_at_once(*[create] * writers)
    ]

    assert sorted(outcomes) == sorted(["created"] + [TRANSACTION_ID_TAKEN] * (writers - 1))
    assert Transaction.objects.filter(transaction_id="RACE-1").count() == 1


def test_transaction_create_as_credit_writes_transaction_and_credit_together():
    client = ClientFactory()
    txn, entry = transaction_create_as_credit(
        client_id=client.pk,
        gateway="banktransfer",
        amount_in="25.00",
        fees="1.00",
        description="Prepayment",
        transaction_id="BT-7",
        actor=None,
    )
    client.refresh_from_db()
    assert client.credit_balance == Decimal("25.00")
    assert (txn.client, txn.amount_in, txn.fees, txn.currency) == (
        client,
        Decimal("25.00"),
        Decimal("1.00"),
        client.currency,
    )
    assert (entry.client, entry.amount, entry.kind, entry.description) == (
        client,
        Decimal("25.00"),
        CreditEntry.Kind.ADDED,
        "Prepayment",
    )
    assert list(CreditEntry.objects.all()) == [entry]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount_in": "0"}, "amount_in"),
        ({"amount_in": "-5.00"}, "amount_in"),
        ({"amount_in": "abc"}, "amount_in"),
        ({"description": " "}, "description"),
        ({"currency": "EUR"}, "currency"),
        ({"transaction_id": "GW-1", "allow_duplicate_transaction_id": False}, "transaction_id"),
    ],
)
def test_transaction_create_as_credit_refusals_write_nothing(overrides, field):
    client = ClientFactory(currency="USD")
    make_transaction(client=client, transaction_id="GW-1", amount_in="0")
    arguments = {
        "client_id": client.pk,
        "gateway": "paypal",
        "amount_in": "10.00",
        "description": "Top-up",
        "actor": None,
    }
    with pytest.raises(ValidationError) as refused:
        transaction_create_as_credit(**{**arguments, **overrides})
    assert field in refused.value.message_dict
    client.refresh_from_db()
    assert client.credit_balance == Decimal("0.00")
    assert Transaction.objects.count() == 1
    assert not CreditEntry.objects.exists()


def test_transaction_update_changes_fields_and_records_before_and_after(admin_user):
    ada = ClientFactory(first_name="Ada", last_name="Lovelace")
    bob = ClientFactory(first_name="Bob", last_name="Byte")
    txn = make_transaction(client=ada, amount_in="10.00", transaction_id="OLD")
    new_date = timezone.make_aware(datetime(2026, 11, 1, 9, 30))

    updated = transaction_update(
        transaction_pk=txn.pk,
        actor=admin_user,
        client=bob,
        amount_in="12.50",
        description="Corrected",
        transaction_id="NEW",
        date=new_date,
        gateway="paypal",  # unchanged: not recorded
    )

    txn.refresh_from_db()
    assert updated == txn
    assert (txn.client, txn.amount_in, txn.description, txn.transaction_id, txn.date) == (
        bob,
        Decimal("12.50"),
        "Corrected",
        "NEW",
        new_date,
    )
    assert (txn.client_snapshot_id, txn.client_name) == (bob.pk, "Bob Byte")
    change = TransactionChange.objects.get()
    assert (change.transaction_pk, change.actor_user, change.actor_label) == (
        txn.pk,
        admin_user,
        admin_user.get_username(),
    )
    assert change.changes == {
        "client": {"old": ada.pk, "new": bob.pk},
        "amount_in": {"old": "10.00", "new": "12.50"},
        "description": {"old": "Payment", "new": "Corrected"},
        "transaction_id": {"old": "OLD", "new": "NEW"},
        "date": {"old": change.changes["date"]["old"], "new": new_date.isoformat()},
    }


def test_transaction_update_without_a_change_records_nothing():
    txn = make_transaction(client=ClientFactory(), description="Same")
    transaction_update(transaction_pk=txn.pk, actor=None, description="Same")
    assert not TransactionChange.objects.exists()


def test_transaction_update_refuses_a_taken_transaction_id_when_asked():
    client = ClientFactory()
    make_transaction(client=client, transaction_id="TAKEN")
    txn = make_transaction(client=client, transaction_id="MINE")
    with pytest.raises(ValidationError) as refused:
        transaction_update(
            transaction_pk=txn.pk,
            actor=None,
            transaction_id="TAKEN",
            allow_duplicate_transaction_id=False,
        )
    assert refused.value.message_dict == {"transaction_id": [TRANSACTION_ID_TAKEN]}
    # Keeping its own id is no conflict.
    transaction_update(
        transaction_pk=txn.pk,
        actor=None,
        transaction_id="MINE",
        allow_duplicate_transaction_id=False,
    )
    txn.refresh_from_db()
    assert txn.transaction_id == "MINE"
    assert not TransactionChange.objects.exists()


def test_transaction_update_keeps_an_invoice_payments_amounts():
    client = ClientFactory()
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "20.00"}], actor=None
    )
    txn = payment_record(invoice_id=invoice.pk, gateway="paypal", actor=None)
    with pytest.raises(ValidationError) as refused:
        transaction_update(transaction_pk=txn.pk, actor=None, amount_in="1.00")
    assert refused.value.messages == [INVOICE_PAYMENT_FROZEN]
    transaction_update(transaction_pk=txn.pk, actor=None, transaction_id="PP-9")
    txn.refresh_from_db()
    assert (txn.amount_in, txn.transaction_id) == (Decimal("20.00"), "PP-9")
    assert TransactionChange.objects.count() == 1


def test_transaction_update_refuses_a_client_of_another_currency():
    txn = make_transaction(client=ClientFactory(currency="USD"))
    euro_client = ClientFactory(currency="EUR")
    with pytest.raises(ValidationError) as refused:
        transaction_update(transaction_pk=txn.pk, actor=None, client=euro_client)
    assert refused.value.message_dict == {"currency": [CURRENCY_NOT_CLIENTS.format(currency="EUR")]}
    txn.refresh_from_db()
    assert txn.client_snapshot_id != euro_client.pk
    assert not TransactionChange.objects.exists()


def test_transaction_update_of_a_missing_transaction_is_a_validation_error():
    with pytest.raises(ValidationError):
        transaction_update(transaction_pk=999_999, actor=None, description="x")


def test_client_delete_keeps_transactions_unless_asked():
    kept, gone = ClientFactory(), ClientFactory()
    make_transaction(client=kept, transaction_id="KEEP")
    make_transaction(client=gone, transaction_id="GO")
    client_delete(client_id=kept.pk, actor=None)
    client_delete(client_id=gone.pk, actor=None, delete_transactions=True)
    assert list(Transaction.objects.values_list("transaction_id", flat=True)) == ["KEEP"]
    assert list(TransactionDeletion.objects.values_list("transaction_id", flat=True)) == ["GO"]
    assert not Client.objects.exists()


def test_client_delete_with_transactions_needs_the_delete_permission(staff_user):
    client = ClientFactory()
    make_transaction(client=client, transaction_id="GO")
    with pytest.raises(PermissionDenied):
        client_delete(client_id=client.pk, actor=staff_user, delete_transactions=True)
    assert Client.objects.filter(pk=client.pk).exists()
    assert Transaction.objects.count() == 1
    assert not ClientDeletion.objects.exists()
