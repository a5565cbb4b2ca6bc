"""PreparedRead: an ORM read compiled once, run with new values, answering as the ORM does;
execute_prepared: a statement the server prepares once per connection."""

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models.functions import Lower

from billing_admin.prepared import (
    PLACEHOLDER_ID,
    PLACEHOLDER_TEXT,
    PreparedRead,
    execute_prepared,
)
from clients.models import Client
from clients.tests.factories import ClientFactory
from credits.services import add_credit

pytestmark = pytest.mark.django_db


def test_a_prepared_read_runs_its_query_with_each_new_value(django_assert_num_queries):
    ada, bob = ClientFactory(first_name="Ada"), ClientFactory(first_name="Bob")
    by_id_and_name = PreparedRead(
        lambda client_id, name: Client.objects.annotate(name_lower=Lower("first_name")).filter(
            pk=client_id, first_name=name
        ),
        PLACEHOLDER_ID,
        PLACEHOLDER_TEXT,
    )
    with django_assert_num_queries(1):
        (found,) = by_id_and_name.run(ada.pk, "Ada")
    assert (found, found.first_name, found.name_lower) == (ada, "Ada", "ada")
    assert found.credit_balance == Client.objects.get(pk=ada.pk).credit_balance
    assert list(by_id_and_name.run(bob.pk, "Bob")) == [bob]
    assert list(by_id_and_name.run(bob.pk, "Ada")) == []


def test_a_placeholder_the_build_transforms_is_refused():
    lowered = PreparedRead(
        lambda email: Client.objects.filter(email=email.upper()), PLACEHOLDER_TEXT
    )
    with pytest.raises(ValueError, match="do not reach the SQL unchanged"):
        lowered.run("a@example.com")


def server_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {name for (name,) in cursor.fetchall()}


def test_a_server_prepared_statement_is_prepared_once_and_runs_with_each_value():
    ada, bob = ClientFactory(first_name="Ada"), ClientFactory(first_name="Bob 100%")
    sql = "SELECT first_name FROM clients_client WHERE id = %s AND first_name LIKE '%%'"

    with connection.cursor() as cursor:
        execute_prepared(cursor, "test_first_name", sql, [ada.pk])
        assert cursor.fetchall() == [("Ada",)]
        execute_prepared(cursor, "test_first_name", sql, [bob.pk])
        assert cursor.fetchall() == [("Bob 100%",)]
    assert "test_first_name" in server_statements()


@pytest.mark.django_db(transaction=True)
def test_a_server_prepared_statement_outlives_a_rollback_and_is_prepared_again_on_reconnect():
    client = ClientFactory()

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        add_credit(client_id=client.pk, amount="1.00", description="rolled back", actor=None)
        raise ZeroDivisionError
    assert {"credit_lock_client", "credit_write_one_entry"} <= server_statements()
    add_credit(client_id=client.pk, amount="2.00", description="kept", actor=None)
    connection.close()
    add_credit(client_id=client.pk, amount="3.00", description="new connection", actor=None)

    client.refresh_from_db()
    assert client.credit_balance == Decimal("5.00")
    assert list(client.credit_entries.values_list("description", flat=True).order_by("id")) == [
        "kept",
        "new connection",
    ]
