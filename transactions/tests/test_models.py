"""What the database itself guarantees about transactions."""

import pytest
from django.db import connection

from clients.tests.factories import ClientFactory
from transactions.models import Transaction
from transactions.tests.factories import make_transaction

pytestmark = pytest.mark.django_db


def test_raw_delete_of_client_sets_transaction_client_null_keeping_snapshot():
    client = ClientFactory(first_name="Eve", last_name="Example", company_name="Ex Co")
    txn = make_transaction(client=client, amount_in="42.00")

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM clients_client WHERE id = %s", [client.pk])

    txn = Transaction.objects.get(pk=txn.pk)
    assert txn.client_id is None
    assert (txn.client_snapshot_id, txn.client_name, txn.client_company, txn.client_email) == (
        client.pk,
        "Eve Example",
        "Ex Co",
        client.email,
    )
    assert str(txn.amount_in) == "42.00"


def test_foreign_keys_are_on_delete_set_null_in_the_database():
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.attname, c.confdeltype, c.condeferrable, c.condeferred
            FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
            WHERE c.conrelid = 'transactions_transaction'::regclass AND c.contype = 'f'
              AND a.attname IN ('client_id', 'invoice_id')
            ORDER BY a.attname
            """
        )
        rows = cursor.fetchall()
    # 'n' is SET NULL; still deferrable, initially deferred, as Django expects.
    assert rows == [("client_id", "n", True, True), ("invoice_id", "n", True, True)]
