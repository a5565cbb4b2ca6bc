"""totalresults of the paged Get* actions without counting the whole table (api.selectors.page_of):
exact where it costs nothing or little, the planner's estimate only on an intermediate page of
the whole client table, and never so low that a caller paging by it stops early."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import selectors
from billing_admin import counting
from clients.services import contact_create
from clients.tests.factories import ClientFactory
from invoices.services import invoice_create

pytestmark = pytest.mark.django_db


def set_planner_estimate(rows: int) -> None:
    """What ANALYZE would record (an UPDATE, rolled back with the test; see the admin's twin in
    clients/tests/test_admin_list_at_scale.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = %s WHERE oid = 'clients_client'::regclass", [rows]
        )


def captured(call, action, **params):
    call(action, **params)  # the first call of a credential records its use (one UPDATE)
    with CaptureQueriesContext(connection) as queries:
        answer = call(action, **params)
    return answer, [query["sql"] for query in queries.captured_queries]


@pytest.fixture
def limit_of_three(monkeypatch):
    """Count exactly up to 3 rows, so a handful of clients behaves like a million."""
    monkeypatch.setattr(counting, "EXACT_COUNT_LIMIT", 3)


def test_a_page_that_reaches_the_end_counts_nothing(call):
    ClientFactory.create_batch(3)
    answer, queries = captured(call, "GetClients", limitnum="5")
    assert (answer["totalresults"], answer["numreturned"]) == (3, 3)
    # The credential, then the rows: nothing counted.
    assert len(queries) == 2
    assert not any("COUNT(" in sql.upper() for sql in queries)
    answer, queries = captured(call, "GetClients", limitstart="2", limitnum="5")
    assert (answer["totalresults"], answer["numreturned"]) == (3, 1)
    assert len(queries) == 2


def test_the_whole_table_is_estimated_in_one_query_never_below_what_follows(call, limit_of_three):
    clients = ClientFactory.create_batch(6)
    set_planner_estimate(4)  # two clients added since the last ANALYZE

    first, queries = captured(call, "GetClients", limitnum="2")
    assert (first["totalresults"], first["numreturned"]) == (4, 2)
    assert len(queries) == 3  # the credential, the rows, the estimate
    assert "FROM pg_class" in queries[-1]  # its count(*) branch runs only for a small table
    middle = call("GetClients", limitstart="2", limitnum="2")
    assert middle["totalresults"] == 5  # past the estimate: at least one more row follows
    last = call("GetClients", limitstart="4", limitnum="2")
    assert last["totalresults"] == 6  # the last page is exact

    # A caller paging by totalresults reads every client, whatever the estimate said.
    seen, start, total = [], 0, 1
    while start < total:
        answer = call("GetClients", limitstart=str(start), limitnum="2")
        seen += [row["id"] for row in answer["clients"]["client"]]
        start, total = start + answer["numreturned"], answer["totalresults"]
    assert seen == [client.pk for client in clients]


def test_filtered_lists_and_pages_past_the_end_are_counted_exactly(call, limit_of_three):
    client = ClientFactory()
    ClientFactory.create_batch(5, status="Inactive")
    for _ in range(5):
        invoice_create(client_id=client.pk, items=[{"description": "a", "amount": "5"}], actor=None)
    set_planner_estimate(1)

    invoices = call("GetInvoices", userid=client.pk, limitnum="2")
    assert (invoices["totalresults"], invoices["numreturned"]) == (5, 2)
    inactive = call("GetClients", status="Inactive", limitnum="2")
    assert (inactive["totalresults"], inactive["numreturned"]) == (5, 2)
    past_end = call("GetClients", limitstart="10")
    assert (past_end["totalresults"], past_end["numreturned"]) == (6, 0)


@pytest.mark.parametrize(
    ("action", "params"),
    [
        ("GetClients", {}),
        ("GetClients", {"status": "Active", "orderby": "firstname", "sorting": "DESC"}),
        ("GetInvoices", {"orderby": "total", "order": "desc"}),
        ("GetContacts", {}),
    ],
)
def test_a_deep_page_reads_the_same_rows_through_their_ids(call, monkeypatch, action, params):
    """Past DEEP_PAGE_START the page's ids are found first, then only those rows read: the rows
    and their order are the plain OFFSET's."""
    clients = ClientFactory.create_batch(7)
    for number, client in enumerate(clients, start=1):
        invoice_create(
            client_id=client.pk, items=[{"description": "a", "amount": str(number % 3)}], actor=None
        )
        contact_create(
            client_id=client.pk, actor=None, first_name=f"C{number}", email=f"c{number}@example.com"
        )

    shallow = [call(action, limitstart=str(start), limitnum="3", **params) for start in (0, 3, 6)]
    monkeypatch.setattr(selectors, "DEEP_PAGE_START", 3)
    deep, queries = captured(call, action, limitstart="3", limitnum="3", **params)
    last = call(action, limitstart="6", limitnum="3", **params)

    assert [deep, last] == shallow[1:]
    assert any(
        "IN (SELECT" in sql and "OFFSET 3" in sql and "OFFSET" not in sql.split("IN (SELECT")[0]
        for sql in queries
    )
