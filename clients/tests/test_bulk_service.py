"""clients.services.clients_bulk_set_status: set-based, batched, history in bulk, idempotent."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from clients.models import Client, ClientEvent
from clients.services import client_set_status, clients_bulk_set_status
from clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

ACTIVE, INACTIVE, CLOSED = Client.Status.ACTIVE, Client.Status.INACTIVE, Client.Status.CLOSED


def status_events(**filters):
    return ClientEvent.objects.filter(kind=ClientEvent.Kind.STATUS_CHANGED, **filters)


def test_clients_bulk_set_status_changes_and_records_who_from_what(staff_user):
    active = ClientFactory.create_batch(2)
    closed = ClientFactory(status=CLOSED)
    already = ClientFactory(status=INACTIVE)
    already_updated_at = already.updated_at

    result = clients_bulk_set_status(
        clients=Client.objects.all(), status=INACTIVE, actor=staff_user, batch_size=3
    )

    assert (result.changed, result.already, result.vanished) == (3, 1, 0)
    assert result.changed_from == {ACTIVE: 2, CLOSED: 1}
    assert (result.batches_done, result.batches_total, result.selected) == (2, 2, 4)
    assert set(Client.objects.values_list("status", flat=True)) == {INACTIVE}
    events = status_events().order_by("client_id")
    assert [(e.client_id, e.field, e.old_value, e.new_value) for e in events] == [
        (active[0].pk, "status", ACTIVE, INACTIVE),
        (active[1].pk, "status", ACTIVE, INACTIVE),
        (closed.pk, "status", CLOSED, INACTIVE),
    ]
    assert {(e.actor_user_id, e.actor_label) for e in events} == {(staff_user.pk, "staff")}
    assert all(e.created_at is not None for e in events)
    # The client that already had the status is not written at all.
    already.refresh_from_db()
    assert already.updated_at == already_updated_at
    assert not status_events(client=already).exists()
    active[0].refresh_from_db()
    assert active[0].updated_at > already_updated_at


def test_clients_bulk_set_status_writes_the_same_history_as_the_single_client_service():
    one, other = ClientFactory.create_batch(2)

    client_set_status(client_id=one.pk, status=CLOSED, actor=None)
    clients_bulk_set_status(clients=[other.pk], status=CLOSED, actor=None)

    fields = ["kind", "field", "old_value", "new_value", "actor_user", "actor_label"]
    single, bulk = (status_events(client=c).values(*fields).get() for c in (one, other))
    assert single == bulk


def test_clients_bulk_set_status_rerun_changes_nothing():
    ClientFactory.create_batch(3)
    clients_bulk_set_status(clients=Client.objects.all(), status=CLOSED, actor=None)
    updated_at = dict(Client.objects.values_list("pk", "updated_at"))

    result = clients_bulk_set_status(clients=Client.objects.all(), status=CLOSED, actor=None)

    assert (result.changed, result.already) == (0, 3)
    assert status_events().count() == 3
    assert dict(Client.objects.values_list("pk", "updated_at")) == updated_at


def test_clients_bulk_set_status_takes_ids_and_counts_the_missing():
    first, second = ClientFactory.create_batch(2)

    result = clients_bulk_set_status(
        clients=[second.pk, first.pk, second.pk, 999_999], status=INACTIVE, actor=None
    )

    assert (result.selected, result.changed, result.vanished) == (3, 2, 1)
    assert Client.objects.filter(status=INACTIVE).count() == 2


def test_clients_bulk_set_status_checks_the_selection_again_under_the_lock():
    clients = ClientFactory.create_batch(4)
    last = clients[-1]

    def close_the_last_client_meanwhile(progress):
        if progress.batches_done == 1:
            client_set_status(client_id=last.pk, status=CLOSED, actor=None)

    result = clients_bulk_set_status(
        clients=Client.objects.filter(status=ACTIVE),
        status=INACTIVE,
        actor=None,
        batch_size=2,
        on_batch=close_the_last_client_meanwhile,
    )

    assert (result.changed, result.already, result.vanished) == (3, 0, 1)
    last.refresh_from_db()
    assert last.status == CLOSED
    assert not status_events(client=last, new_value=INACTIVE).exists()


@pytest.mark.parametrize("clients,batches", [(4, 2), (12, 6)])
def test_clients_bulk_set_status_issues_a_constant_number_of_queries_per_batch(
    clients, batches, django_assert_num_queries
):
    ClientFactory.create_batch(clients)

    # One count, then per batch: savepoint, lock the next batch, update + history, release.
    with django_assert_num_queries(1 + 4 * batches):
        result = clients_bulk_set_status(
            clients=Client.objects.all(), status=INACTIVE, actor=None, batch_size=2
        )

    assert result.changed == clients
    assert status_events().count() == clients


@pytest.mark.parametrize(
    "status,batch_size,field",
    [("Dormant", 10, "status"), ("active", 10, "status"), (ACTIVE, 0, "batch_size")],
)
def test_clients_bulk_set_status_rejects_bad_input_and_writes_nothing(status, batch_size, field):
    ClientFactory(status=INACTIVE)

    with pytest.raises(ValidationError) as excinfo:
        clients_bulk_set_status(
            clients=Client.objects.all(), status=status, actor=None, batch_size=batch_size
        )

    assert field in excinfo.value.message_dict
    assert Client.objects.get().status == INACTIVE
    assert not status_events().exists()


@pytest.mark.django_db(transaction=True)
def test_clients_bulk_set_status_waits_for_a_locked_client_and_records_its_latest_status():
    customer = ClientFactory()
    holding_lock, let_go = threading.Event(), threading.Event()
    results = []

    def close_while_holding_the_lock():
        try:
            with transaction.atomic():
                Client.objects.select_for_update().get(pk=customer.pk)
                holding_lock.set()
                let_go.wait(timeout=10)
                client_set_status(client_id=customer.pk, status=CLOSED, actor=None)
        finally:
            connection.close()

    def bulk_inactive():
        try:
            results.append(
                clients_bulk_set_status(clients=[customer.pk], status=INACTIVE, actor=None)
            )
        finally:
            connection.close()

    closer = threading.Thread(target=close_while_holding_the_lock)
    closer.start()
    assert holding_lock.wait(timeout=10)
    bulk = threading.Thread(target=bulk_inactive)
    bulk.start()
    bulk.join(timeout=0.5)
    assert bulk.is_alive()  # blocked on the row lock, not working from a stale read
    let_go.set()
    closer.join(timeout=10)
    bulk.join(timeout=10)

    assert results[0].changed_from == {CLOSED: 1}
    customer.refresh_from_db()
    assert customer.status == INACTIVE
    assert list(
        status_events(client=customer).order_by("id").values_list("old_value", "new_value")
    ) == [
        (ACTIVE, CLOSED),
        (CLOSED, INACTIVE),
    ]
