from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from credits import services
from credits.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def make_consistent_clients():
    clean, adjusted = ClientFactory(), ClientFactory()
    ClientFactory()  # no credit history at all
    services.add_credit(client_id=clean.pk, amount="20.00", description="in", actor=None)
    services.remove_credit(client_id=clean.pk, amount="5.00", description="out", actor=None)
    services.add_credit(client_id=adjusted.pk, amount="3.00", description="in", actor=None)
    services.adjust_balance(client_id=adjusted.pk, new_balance="50.00", actor=None)
    return clean, adjusted


def test_verify_credit_passes_on_consistent_data(django_assert_max_num_queries):
    make_consistent_clients()
    out = StringIO()

    with django_assert_max_num_queries(2):
        call_command("verify_credit", stdout=out)

    assert out.getvalue() == "3 clients checked: all credit balances agree.\n"


def test_verify_credit_names_every_client_with_a_corrupted_balance():
    clean, adjusted = make_consistent_clients()
    with connection.cursor() as cursor:
        # What a bug or a hand-edit in psql would do: move the cache without a ledger row.
        cursor.execute(
            "UPDATE clients_client SET credit_balance = credit_balance + 1 WHERE id IN (%s, %s)",
            [clean.pk, adjusted.pk],
        )
    out = StringIO()

    with pytest.raises(CommandError) as exc:
        call_command("verify_credit", stdout=out)

    assert str(exc.value) == "2 of 3 clients fail the credit invariant."
    assert exc.value.returncode == 1  # manage.py exits with it
    assert out.getvalue().splitlines() == [
        f"client {clean.pk} <{clean.email}>: expected 15.00, actual 16.00",
        f"client {adjusted.pk} <{adjusted.email}>: expected 50.00, actual 51.00",
    ]


def test_verify_credit_flags_a_negative_balance_even_when_the_ledger_agrees():
    client = ClientFactory()
    with connection.cursor() as cursor:
        # Only possible without the CHECK constraint; DDL rolls back with the test transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks before DDL
        cursor.execute(
            "ALTER TABLE clients_client DROP CONSTRAINT client_credit_balance_non_negative"
        )
        cursor.execute(
            "INSERT INTO credits_creditentry (client_id, date, description, amount, kind, "
            "actor_label, created_at) VALUES (%s, now(), 'x', -5, 'removed', 'psql', now())",
            [client.pk],
        )
        cursor.execute("UPDATE clients_client SET credit_balance = -5 WHERE id = %s", [client.pk])
    out = StringIO()

    with pytest.raises(CommandError) as exc:
        call_command("verify_credit", stdout=out)

    assert str(exc.value) == "1 of 1 clients fail the credit invariant."
    assert out.getvalue() == f"client {client.pk} <{client.email}>: expected -5.00, actual -5.00\n"
