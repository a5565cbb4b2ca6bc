"""The client list at scale: its count (estimated for the whole table, capped for a filter or
search) and its name search over the stored, indexed search vector."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing_admin.counting import capped_count_with_ids
from clients import admin_pagination, selectors
from clients.models import Client
from clients.selectors import clients_search
from clients.services import client_update, contact_create
from clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:clients_client_changelist")


@pytest.fixture
def limit_of_three(monkeypatch):
    """Count exactly up to 3 rows, so a handful of clients behaves like a million."""
    monkeypatch.setattr(admin_pagination, "EXACT_COUNT_LIMIT", 3)


def set_planner_estimate(rows: int) -> None:
    """What ANALYZE would record for a table of ``rows`` clients. An UPDATE (the test runs as the
    database owner), not ANALYZE: ANALYZE writes pg_class in place, so its figure would outlive
    the test's rollback and change other tests' plans."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pg_class SET reltuples = %s WHERE oid = 'clients_client'::regclass", [rows]
        )


def get_list(admin_client, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(LIST_URL, params or {})
    assert response.status_code == 200
    return response, len(queries)


def listed_ids(response) -> list[int]:
    return [client.pk for client in response.context["cl"].result_list]


def grace(**fields):
    # Named in full: a random name or company ("Adams Ltd") would match "ada" too.
    return ClientFactory(first_name="Grace", last_name="Hopper", company_name="Cobol", **fields)


def test_list_counts_exactly_while_the_table_was_never_analysed(admin_client):
    # A fresh table's reltuples is -1 (unknown): the count must not trust it.
    clients = ClientFactory.create_batch(3)

    response, _ = get_list(admin_client)

    assert response.context["cl"].result_count == 3
    assert sorted(listed_ids(response)) == sorted(client.pk for client in clients)
    assert "3 clients" in response.content.decode()


def test_list_shows_the_planner_estimate_for_a_large_table(admin_client, limit_of_three):
    ClientFactory.create_batch(6)
    set_planner_estimate(5)  # one client added since the last ANALYZE

    response, _ = get_list(admin_client, {"p": "2"})

    cl = response.context["cl"]
    assert cl.result_count == 5
    assert cl.paginator.count_is_estimate
    assert "about 5 clients" in response.content.decode()
    assert "Select all about 5 clients" in response.content.decode()


def test_search_count_stops_at_the_limit_and_pages_up_to_it(
    admin_client, limit_of_three, monkeypatch
):
    adas = ClientFactory.create_batch(5, first_name="Ada")
    grace()
    monkeypatch.setattr(admin.site._registry[Client], "list_per_page", 2)

    first, _ = get_list(admin_client, {"q": "ada"})
    last, _ = get_list(admin_client, {"q": "ada", "p": "2"})
    beyond = admin_client.get(LIST_URL, {"q": "ada", "p": "3"})

    cl = first.context["cl"]
    assert cl.result_count == 3
    assert cl.paginator.count_is_capped
    assert "3+ results" in first.content.decode()
    newest = sorted((client.pk for client in adas), reverse=True)
    assert listed_ids(first) == newest[:2]
    assert listed_ids(last) == newest[2:3]
    # Past the capped pages: the admin's usual answer to a bad page number.
    assert beyond.status_code == 302


def gathering_counts(admin_client, params) -> int:
    """How many of a list request's queries count by gathering the matches
    (``capped_count_with_ids``)."""
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(LIST_URL, params)
    return sum("array_agg" in query["sql"] for query in queries)


def test_a_common_name_word_is_capped_by_its_index_count_alone(admin_client, limit_of_three):
    ClientFactory.create_batch(4, first_name="Ada")

    response, _ = get_list(admin_client, {"q": "ada"})

    assert response.context["cl"].paginator.count_is_capped
    assert "3+ results" in response.content.decode()
    assert gathering_counts(admin_client, {"q": "ada"}) == 0


def test_a_search_beside_another_filter_counts_its_matches(admin_client, limit_of_three):
    # Four Adas, two of them Inactive: the name count alone (4) would wrongly cap the
    # Inactive list, which has two.
    inactive = ClientFactory.create_batch(2, first_name="Ada", status=Client.Status.INACTIVE)
    ClientFactory.create_batch(2, first_name="Ada")

    response, _ = get_list(admin_client, {"q": "ada", "status__exact": "Inactive"})

    cl = response.context["cl"]
    assert (cl.result_count, cl.paginator.count_is_capped) == (2, False)
    assert sorted(listed_ids(response)) == sorted(client.pk for client in inactive)
    assert gathering_counts(admin_client, {"q": "ada", "status__exact": "Inactive"}) == 1


def test_matches_beyond_the_names_are_counted_by_gathering(admin_client, limit_of_three):
    # Found by the email's start, not by a name word: the index count cannot tell.
    for number in range(4):
        grace(email=f"ada{number}@example.com")

    response, _ = get_list(admin_client, {"q": "ada"})

    assert response.context["cl"].paginator.count_is_capped
    assert "3+ results" in response.content.decode()
    assert gathering_counts(admin_client, {"q": "ada"}) == 1


def page_query(queries) -> str:
    return next(
        q["sql"]
        for q in reversed(queries.captured_queries)
        if q["sql"].startswith('SELECT "clients_client"."id", "clients_client"."first_name"')
    )


@pytest.mark.parametrize("contacts_inline", [1000, 0], ids=["contacts inline", "contacts union"])
def test_a_common_words_pages_come_from_the_newest_clients_first(
    admin_client, limit_of_three, monkeypatch, contacts_inline
):
    monkeypatch.setattr(selectors, "CONTACT_MATCHES_INLINE", contacts_inline)
    monkeypatch.setattr(selectors, "NEWEST_CLIENTS_WINDOW", 3)
    monkeypatch.setattr(admin.site._registry[Client], "list_per_page", 2)
    oldest = ClientFactory.create_batch(3, first_name="Ada")
    by_contact = grace()
    contact_create(
        client_id=by_contact.pk, actor=None, first_name="Ada", last_name="Contact", email="c@x.io"
    )
    grace()
    newest = ClientFactory(first_name="Ada")
    # The three newest clients: newest, a Grace, the Grace with an Ada contact.

    with CaptureQueriesContext(connection) as first_queries:
        first, _ = get_list(admin_client, {"q": "ada"})
    with CaptureQueriesContext(connection) as second_queries:
        second, _ = get_list(admin_client, {"q": "ada", "p": "2"})

    assert "3+ results" in first.content.decode()
    # Page 1: its two matches are among the three newest clients, read by their ids.
    assert listed_ids(first) == [newest.pk, by_contact.pk]
    assert "unnest" in page_query(first_queries)
    assert "@@" not in page_query(first_queries)
    # Page 2 ends with the third newest match, older than the window: the whole search.
    assert listed_ids(second) == [oldest[2].pk]
    assert "@@" in page_query(second_queries)


def test_a_common_word_probes_only_the_newest_clients_contacts(
    admin_client, limit_of_three, monkeypatch
):
    monkeypatch.setattr(selectors, "NEWEST_CLIENTS_WINDOW", 3)
    monkeypatch.setattr(admin.site._registry[Client], "list_per_page", 2)
    ClientFactory.create_batch(4, first_name="Ada")
    contact_create(
        client_id=grace().pk, actor=None, first_name="Ada", last_name="Contact", email="c@x.io"
    )

    with CaptureQueriesContext(connection) as queries:
        response, _ = get_list(admin_client, {"q": "ada"})

    assert "3+ results" in response.content.decode()
    contact_queries = [q["sql"] for q in queries if 'FROM "clients_contact"' in q["sql"]]
    # The page's window (the three newest clients), not every contact holding the word.
    assert contact_queries
    assert all('"clients_contact"."client_id" >=' in sql for sql in contact_queries)


def test_a_sorted_list_keeps_the_whole_search(admin_client, limit_of_three, monkeypatch):
    monkeypatch.setattr(selectors, "NEWEST_CLIENTS_WINDOW", 4)
    monkeypatch.setattr(admin.site._registry[Client], "list_per_page", 2)
    adas = [ClientFactory(first_name="Ada", last_name=name) for name in "DCBA"]
    grace()

    response, _ = get_list(admin_client, {"q": "ada", "o": "2"})  # by name, A first

    assert listed_ids(response) == [adas[3].pk, adas[2].pk]


def test_list_counts_in_one_query_whatever_the_table_size(admin_client, limit_of_three):
    ClientFactory()
    _, small_table = get_list(admin_client)
    _, small_search = get_list(admin_client, {"q": "example"})
    ClientFactory.create_batch(6)
    set_planner_estimate(7)

    _, estimated = get_list(admin_client)
    _, capped_search = get_list(admin_client, {"q": "example"})

    assert estimated == small_table
    assert capped_search == small_search


def test_search_matches_the_stored_vector_through_its_index_and_follows_edits():
    ada = ClientFactory(first_name="Ada", last_name="Lovelace", company_name="Analytical")
    ClientFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Unordered, as the count sees it (ordered by id the planner may walk the primary key).
        plan = clients_search(Client.objects.order_by(), "lovel anal").explain()
    assert "client_name_search_idx" in plan
    assert "to_tsvector" not in plan  # the stored column, not the names parsed again per row

    client_update(client_id=ada.pk, company_name="Difference Engines", actor=None)

    assert list(clients_search(Client.objects.all(), "differ")) == [ada]
    assert not clients_search(Client.objects.all(), "analytical").exists()


def test_a_few_matches_are_paged_by_their_ids(admin_client, monkeypatch):
    # A search matching a few of the oldest clients: the page names their ids, so the planner
    # reads them instead of walking the primary key back from the newest client.
    adas = ClientFactory.create_batch(5, first_name="Ada")
    for _ in range(3):
        grace()
    monkeypatch.setattr(admin.site._registry[Client], "list_per_page", 2)

    with CaptureQueriesContext(connection) as queries:
        first, _ = get_list(admin_client, {"q": "ada"})
    second, _ = get_list(admin_client, {"q": "ada", "p": "2"})
    third, _ = get_list(admin_client, {"q": "ada", "p": "3"})

    newest = sorted((client.pk for client in adas), reverse=True)
    assert [listed_ids(page) for page in (first, second, third)] == [
        newest[:2],
        newest[2:4],
        newest[4:],
    ]
    assert first.context["cl"].result_count == 5
    page_query = next(
        q["sql"] for q in queries if q["sql"].startswith('SELECT "clients_client"."id"')
    )
    # One array parameter: the page's own ids, picked from the count's.
    named = page_query.partition('"clients_client"."id" IN (SELECT unnest(ARRAY[')[2]
    assert sorted(int(pk) for pk in named.partition("]")[0].split(",")) == sorted(newest[:2])


def test_many_matches_are_paged_as_before(admin_client, monkeypatch):
    monkeypatch.setattr(admin_pagination, "NAMED_MATCHES_LIMIT", 2)
    ClientFactory.create_batch(3, first_name="Ada")
    monkeypatch.setattr(admin.site._registry[Client], "list_per_page", 2)

    with CaptureQueriesContext(connection) as queries:
        response, _ = get_list(admin_client, {"q": "ada"})

    assert response.context["cl"].paginator.matching_ids is None
    assert len(listed_ids(response)) == 2
    assert not any(
        "unnest" in q["sql"] for q in queries if q["sql"].startswith('SELECT "clients_client"."id"')
    )


def test_capped_count_with_ids():
    clients = ClientFactory.create_batch(4)
    matching = Client.objects.filter(pk__in=[client.pk for client in clients[:3]])

    counted, ids = capped_count_with_ids(matching, limit=10, ids_limit=5)
    assert (counted.value, counted.exact, sorted(ids)) == (
        3,
        True,
        sorted(c.pk for c in clients[:3]),
    )
    counted, ids = capped_count_with_ids(matching, limit=10, ids_limit=2)
    assert (counted.value, ids) == (3, None)
    counted, ids = capped_count_with_ids(matching, limit=2, ids_limit=5)
    assert (counted.value, counted.capped, ids) == (2, True, None)
    counted, ids = capped_count_with_ids(Client.objects.filter(pk=-1), ids_limit=5)
    assert (counted.value, ids) == (0, None)
