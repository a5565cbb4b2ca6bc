import datetime
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from billing_admin.money import AMOUNT_INVALID
from clients.models import Client, ClientEvent
from credits import services
from credits.models import CreditEntry
from credits.tests.assertions import assert_credit_invariant
from credits.tests.factories import ClientFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def assert_credit_state(client, balance: Decimal, entries: int = 0, events: int = 0):
    client.refresh_from_db()
    assert client.credit_balance == balance
    assert client.credit_entries.count() == entries
    assert client.events.filter(kind=ClientEvent.Kind.BALANCE_ADJUSTED).count() == events


def test_add_credit_writes_entry_and_balance():
    client = ClientFactory()
    staff = StaffUserFactory()

    entry = services.add_credit(
        client_id=client.pk, amount="12.50", description=" Goodwill ", actor=staff
    )

    client.refresh_from_db()
    assert client.credit_balance == Decimal("12.50")
    assert entry.amount == Decimal("12.50")
    assert entry.kind == CreditEntry.Kind.ADDED
    assert entry.description == "Goodwill"
    assert (entry.actor_user, entry.actor_label) == (staff, staff.username)
    assert list(client.credit_entries.all()) == [entry]
    assert_credit_invariant()


def test_credit_change_on_a_missing_client_raises_and_writes_nothing():
    with pytest.raises(Client.DoesNotExist):
        services.add_credit(client_id=987654, amount="1.00", description="x", actor=None)
    assert not CreditEntry.objects.exists()


def test_add_credit_sends_lock_lookup_and_one_write_and_nothing_else(
    django_assert_num_queries,
):
    client = ClientFactory()
    key = uuid.uuid4()
    # The test's transaction turns add_credit's atomic block into a savepoint and its release.
    with django_assert_num_queries(5) as captured:
        entry = services.add_credit(
            client_id=client.pk, amount="2.00", description="x", actor=None, request_key=key
        )
    statements = [query["sql"].split()[:2] for query in captured.captured_queries[1:-1]]
    # The lock, then the request key looked up once, under the lock (full_clean adds no unique
    # query), then the entry and the balance written by one prepared statement.
    assert statements == [
        ["EXECUTE", f"credit_lock_client({client.pk})"],
        ["SELECT", '"credits_creditentry"."id",'],
        ["EXECUTE", "credit_write_one_entry(NULL,"],
    ]
    assert "request_key" in captured.captured_queries[2]["sql"]
    assert entry.request_key == key


def test_recorded_entry_reads_back_column_for_column():
    client = ClientFactory(credit_balance=Decimal("50.00"))
    staff = StaffUserFactory()
    key = uuid.uuid4()
    entry = services.remove_credit(
        client_id=client.pk,
        amount="7.25",
        description="Refund ≠ 'quoted' %s",
        actor=staff,
        date=datetime.date(2026, 2, 28),
        request_key=key,
    )
    stored = CreditEntry.objects.get(pk=entry.pk)
    assert (stored.client_id, stored.amount, stored.kind) == (
        client.pk,
        Decimal("-7.25"),
        "removed",
    )
    assert (stored.description, stored.date) == ("Refund ≠ 'quoted' %s", datetime.date(2026, 2, 28))
    assert (stored.actor_user, stored.actor_label, stored.request_key) == (
        staff,
        staff.username,
        key,
    )
    assert stored.created_at == entry.created_at
    assert stored.invoice_id is None
    client.refresh_from_db()
    assert client.credit_balance == Decimal("42.75")


def test_a_credit_change_dates_the_client_by_the_clock_not_the_transaction_start():
    client = ClientFactory()
    before = timezone.now()  # the test's transaction began earlier than this
    services.add_credit(client_id=client.pk, amount="1.00", description="x", actor=None)
    client.refresh_from_db()
    assert client.updated_at >= before


def test_add_credit_quantizes_half_up():
    client = ClientFactory()
    entry = services.add_credit(client_id=client.pk, amount="0.005", description="x", actor=None)
    assert entry.amount == Decimal("0.01")
    assert entry.actor_label == "system"


def test_remove_credit_writes_negative_entry():
    client = ClientFactory()
    services.add_credit(client_id=client.pk, amount="30.00", description="in", actor=None)

    entry = services.remove_credit(
        client_id=client.pk, amount=Decimal("30.00"), description="refund", actor=None
    )

    client.refresh_from_db()
    assert entry.amount == Decimal("-30.00")
    assert entry.kind == CreditEntry.Kind.REMOVED
    assert client.credit_balance == Decimal("0.00")
    assert client.credit_entries.count() == 2
    assert_credit_invariant()


def test_remove_credit_more_than_balance_refused_and_nothing_written():
    client = ClientFactory()
    services.add_credit(client_id=client.pk, amount="10.00", description="in", actor=None)

    with pytest.raises(ValidationError) as exc:
        services.remove_credit(client_id=client.pk, amount="10.01", description="x", actor=None)

    assert exc.value.message_dict == {"amount": ["Only 10.00 credit is available to remove."]}
    assert_credit_state(client, Decimal("10.00"), entries=1)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", services.AMOUNT_NOT_POSITIVE),
        ("0.004", services.AMOUNT_NOT_POSITIVE),
        ("-5", services.AMOUNT_NOT_POSITIVE),
        ("1000000.01", "The amount cannot be more than 1000000.00."),
        ("nan", AMOUNT_INVALID),
        ("Infinity", AMOUNT_INVALID),
        ("ten", AMOUNT_INVALID),
        ("", AMOUNT_INVALID),
    ],
)
@pytest.mark.parametrize("operation", [services.add_credit, services.remove_credit])
def test_credit_change_rejects_bad_amounts_and_writes_nothing(operation, amount, message):
    client = ClientFactory()

    with pytest.raises(ValidationError) as exc:
        operation(client_id=client.pk, amount=amount, description="x", actor=None)

    assert exc.value.message_dict == {"amount": [message]}
    assert_credit_state(client, Decimal("0.00"))


def test_credit_change_refuses_floats():
    client = ClientFactory()
    with pytest.raises(TypeError):
        services.add_credit(client_id=client.pk, amount=1.1, description="x", actor=None)
    assert_credit_state(client, Decimal("0.00"))


@pytest.mark.parametrize("description", ["", "   "])
def test_credit_change_requires_description(description):
    client = ClientFactory()
    with pytest.raises(ValidationError) as exc:
        services.add_credit(client_id=client.pk, amount="1", description=description, actor=None)
    assert exc.value.message_dict == {"description": [services.DESCRIPTION_REQUIRED]}
    assert_credit_state(client, Decimal("0.00"))


def test_record_credit_entry_refuses_a_balance_over_the_column_limit():
    client = ClientFactory()
    services.adjust_balance(client_id=client.pk, new_balance="9999999999.00", actor=None)

    with pytest.raises(ValidationError) as exc, transaction.atomic():
        locked = services.lock_client(client.pk)
        services.record_credit_entry(
            client=locked, amount="1.00", kind=CreditEntry.Kind.REFUND, description="x", actor=None
        )

    assert "cannot be more than 9999999999.99" in str(exc.value)
    assert_credit_state(client, Decimal("9999999999.00"), events=1)


def test_record_credit_entry_refuses_a_kind_with_the_wrong_sign():
    client = ClientFactory()
    with pytest.raises(ValidationError), transaction.atomic():
        locked = services.lock_client(client.pk)
        services.record_credit_entry(
            client=locked, amount="5.00", kind=CreditEntry.Kind.APPLIED, description="x", actor=None
        )
    assert_credit_state(client, Decimal("0.00"))


@pytest.mark.django_db(transaction=True)
def test_record_credit_entry_outside_an_atomic_block_is_refused():
    client = ClientFactory()
    with pytest.raises(TransactionManagementError):
        services.record_credit_entry(
            client=client, amount="5.00", kind=CreditEntry.Kind.ADDED, description="x", actor=None
        )
    assert_credit_state(client, Decimal("0.00"))


def test_adjust_balance_writes_history_event_and_no_entry():
    client = ClientFactory()
    staff = StaffUserFactory()
    services.add_credit(client_id=client.pk, amount="10.00", description="in", actor=None)

    event = services.adjust_balance(client_id=client.pk, new_balance="4.25", actor=staff)

    client.refresh_from_db()
    assert client.credit_balance == Decimal("4.25")
    assert client.credit_entries.count() == 1
    assert event.kind == ClientEvent.Kind.BALANCE_ADJUSTED
    assert (event.old_value, event.new_value) == ("10.00", "4.25")
    assert event.balance_delta == Decimal("-5.75")
    assert (event.actor_user, event.actor_label) == (staff, staff.username)
    assert_credit_invariant()


def test_adjust_balance_unchanged_is_a_no_op():
    client = ClientFactory()
    assert services.adjust_balance(client_id=client.pk, new_balance="0", actor=None) is None
    assert_credit_state(client, Decimal("0.00"))


@pytest.mark.parametrize(
    ("new_balance", "message"),
    [("-0.01", services.BALANCE_NEGATIVE), ("abc", AMOUNT_INVALID)],
)
def test_adjust_balance_rejects_bad_values_and_writes_nothing(new_balance, message):
    client = ClientFactory()
    with pytest.raises(ValidationError) as exc:
        services.adjust_balance(client_id=client.pk, new_balance=new_balance, actor=None)
    assert exc.value.message_dict == {"credit_balance": [message]}
    assert_credit_state(client, Decimal("0.00"))


def test_adjust_balance_refuses_when_the_balance_moved_since_it_was_shown():
    client = ClientFactory()
    services.add_credit(client_id=client.pk, amount="5.00", description="meanwhile", actor=None)

    with pytest.raises(ValidationError) as exc:
        services.adjust_balance(
            client_id=client.pk, new_balance="20.00", expected_balance="0.00", actor=None
        )

    assert exc.value.message_dict == {
        "credit_balance": [services.BALANCE_CHANGED.format(current="5.00")]
    }
    assert_credit_state(client, Decimal("5.00"), entries=1)
    event = services.adjust_balance(
        client_id=client.pk, new_balance="20.00", expected_balance="5.00", actor=None
    )
    assert event.balance_delta == Decimal("15.00")


def unsaved_entry(client, amount, kind=CreditEntry.Kind.UNAPPLIED):
    return CreditEntry(
        client_id=client.pk, amount=amount, kind=kind, description="bulk", actor_label="system"
    )


def test_record_credit_entries_moves_many_balances_in_one_statement(
    django_assert_num_queries,
):
    first, second = ClientFactory(), ClientFactory()
    services.add_credit(client_id=second.pk, amount="10.00", description="in", actor=None)

    with transaction.atomic():
        locked = list(Client.objects.select_for_update().filter(pk__in=[first.pk, second.pk]))
        entries = [
            unsaved_entry(first, Decimal("1.50")),
            unsaved_entry(first, Decimal("2.00")),
            unsaved_entry(second, Decimal("-4.00"), CreditEntry.Kind.APPLIED),
        ]
        with django_assert_num_queries(1):
            services.record_credit_entries(clients=locked, entries=entries)

    assert {client.pk: client.credit_balance for client in locked} == {
        first.pk: Decimal("3.50"),
        second.pk: Decimal("6.00"),
    }
    assert_credit_state(first, Decimal("3.50"), entries=2)
    assert_credit_state(second, Decimal("6.00"), entries=2)
    # Each entry got the id of its own row.
    assert [
        CreditEntry.objects.values_list("client_id", "amount").get(pk=entry.pk) for entry in entries
    ] == [(entry.client_id, entry.amount) for entry in entries]
    assert_credit_invariant()


def test_record_credit_entries_is_all_or_nothing():
    first, second = ClientFactory(), ClientFactory()

    with pytest.raises(ValidationError) as exc, transaction.atomic():
        locked = list(Client.objects.select_for_update().filter(pk__in=[first.pk, second.pk]))
        services.record_credit_entries(
            clients=locked,
            entries=[
                unsaved_entry(first, Decimal("1.00")),
                unsaved_entry(second, Decimal("-0.01"), CreditEntry.Kind.APPLIED),
            ],
        )

    assert exc.value.message_dict == {"amount": ["Only 0.00 credit is available to remove."]}
    assert_credit_state(first, Decimal("0.00"))
    assert_credit_state(second, Decimal("0.00"))


def test_record_credit_entries_refuses_clients_the_caller_did_not_lock():
    client = ClientFactory()
    with pytest.raises(TransactionManagementError), transaction.atomic():
        services.record_credit_entries(clients=[], entries=[unsaved_entry(client, Decimal("1"))])
    assert_credit_state(client, Decimal("0.00"))
