"""The client tab bar: which tabs a user gets, their figures, and what they cost."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.admin_tabs import (
    CLIENT_TABS,
    ClientTab,
    _counts_queryset,
    _counts_read,
    client_tabs,
    register_client_tab,
)
from clients.services import client_note_add, contact_create
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices.services import invoice_create
from invoices.tests.factories import ClientServiceFactory
from transactions.tests.factories import make_transaction

pytestmark = pytest.mark.django_db


def tabs_in(response) -> dict[str, object]:
    return {tab.key: tab for tab in response.context["client_tabs"]}


def test_summary_tabs_in_whmcs_order_with_their_figures(admin_client):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="5.00", description="Seed", actor=None)
    for _ in range(2):
        invoice_create(
            client_id=client.pk, items=[{"description": "x", "amount": Decimal("1")}], actor=None
        )
    ClientFactory()  # another client's rows are not counted

    response = admin_client.get(reverse("admin:clients_client_summary", args=[client.pk]))

    tabs = tabs_in(response)
    assert list(tabs) == [
        "summary",
        "profile",
        "contacts",
        "services",
        "invoices",
        "transactions",
        "credits",
        "emails",
        "notes",
        "history",
    ]
    assert tabs["summary"].current and not tabs["profile"].current
    assert (tabs["invoices"].count, tabs["credits"].count, tabs["services"].count) == (2, 1, 0)
    assert tabs["summary"].count is None
    assert tabs["invoices"].url == f"/admin/invoices/invoice/?client={client.pk}"
    assert tabs["profile"].url == f"/admin/clients/client/{client.pk}/change/"
    assert 'aria-current="page"' in response.content.decode()


def test_all_figures_cost_one_query(rf, admin_user):
    client = ClientFactory()
    request = rf.get("/")
    request.user = admin_user

    with CaptureQueriesContext(connection) as queries:
        tabs = client_tabs(request, client, current=None)

    assert len([tab for tab in tabs if tab.count is not None]) >= 4
    assert len(queries) == 1


@pytest.mark.parametrize(
    ("url_name", "current"),
    [
        ("admin:clients_client_change", "profile"),
        ("admin:clients_client_credits", "credits"),
        ("admin:clients_client_close", "summary"),
        ("admin:clients_client_delete_client", "summary"),
        ("admin:clients_client_merge", "summary"),
    ],
)
def test_every_page_about_one_client_has_the_tab_bar(admin_client, url_name, current):
    client = ClientFactory()

    response = admin_client.get(reverse(url_name, args=[client.pk]))

    assert [tab.key for tab in response.context["client_tabs"] if tab.current] == [current]
    assert 'class="client-tabs"' in response.content.decode()


@pytest.mark.parametrize(
    ("list_url", "current"),
    [
        ("admin:invoices_invoice_changelist", "invoices"),
        ("admin:invoices_clientservice_changelist", "services"),
        ("admin:transactions_transaction_changelist", "transactions"),
        ("admin:clients_clientevent_changelist", "history"),
    ],
)
def test_a_list_filtered_to_one_client_is_that_clients_tab(admin_client, list_url, current):
    client = ClientFactory(first_name="Ada", last_name="Lovelace")

    response = admin_client.get(reverse(list_url), {"client": client.pk})

    assert response.status_code == 200
    assert [tab.key for tab in response.context["client_tabs"] if tab.current] == [current]
    assert response.context["title"].endswith(f": {client}")
    unfiltered = admin_client.get(reverse(list_url))
    assert "client_tabs" not in unfiltered.context


def test_the_popup_has_no_tab_bar(admin_client):
    client = ClientFactory()

    response = admin_client.get(
        reverse("admin:clients_client_credits", args=[client.pk]), {"_popup": "1"}
    )

    assert 'class="client-tabs"' not in response.content.decode()


def test_support_staff_see_only_the_tabs_they_may_open(support_client):
    client = support_client
    customer = ClientFactory()

    response = client.get(reverse("admin:clients_client_summary", args=[customer.pk]))

    tabs = tabs_in(response)
    assert "credits" not in tabs  # managing credit is a billing administrator's job
    for tab in tabs.values():
        assert client.get(tab.url).status_code == 200, tab.key


def test_registering_a_tab_is_one_call(admin_client):
    client = ClientFactory()
    register_client_tab(
        ClientTab("extra", "Extra", "admin:clients_client_change", order=95, permission=None)
    )
    try:
        response = admin_client.get(reverse("admin:clients_client_summary", args=[client.pk]))
        keys = [tab.key for tab in response.context["client_tabs"]]
        assert keys.index("extra") == keys.index("history") - 1
    finally:
        del CLIENT_TABS["extra"]


def test_figures_from_the_compiled_statement_are_the_orms(rf, admin_user):
    # The counting query is compiled once per set of tabs; each client only runs it.
    busy, quiet = ClientFactory(), ClientFactory()
    add_credit(client_id=busy.pk, amount="5.00", description="Seed", actor=None)
    invoice_create(client_id=busy.pk, items=[{"description": "x", "amount": "1"}], actor=None)
    request = rf.get("/")
    request.user = admin_user
    tabs = tuple(sorted(CLIENT_TABS.values(), key=lambda tab: tab.order))

    for client in (busy, quiet, busy):
        figures = {tab.key: tab.count for tab in client_tabs(request, client, current=None)}
        orm = _counts_queryset(tabs, client.pk).values().first()
        assert {key: count for key, count in figures.items() if count is not None} == {
            name.removeprefix("tab_"): value
            for name, value in orm.items()
            if name.startswith("tab_")
        }
    assert figures["invoices"] == 1 and figures["credits"] == 1
    assert _counts_read.cache_info().hits >= 2


# The Add pages a client's Quick Links open (``?client=<id>``), each under the tab it adds to.
ADD_PAGES_FOR_A_CLIENT = [
    ("admin:clients_contact_add", "contacts"),
    ("admin:clients_clientnote_add", "notes"),
    ("admin:invoices_invoice_add", "invoices"),
    ("admin:invoices_clientservice_add", "services"),
]


def give_every_tab_rows(client, rows: int) -> None:
    for n in range(rows):
        contact_create(
            client_id=client.pk, actor=None, first_name="C", last_name=str(n), email=f"c{n}@x.io"
        )
        client_note_add(client_id=client.pk, actor=None, text=f"Note {n}", sticky=n % 2 == 0)
        ClientServiceFactory(client=client)
        invoice_create(client_id=client.pk, items=[{"description": "x", "amount": "1"}], actor=None)


@pytest.mark.parametrize(("url_name", "current"), ADD_PAGES_FOR_A_CLIENT)
def test_an_add_page_opened_for_a_client_has_its_tab_bar(admin_client, url_name, current):
    client = ClientFactory()
    client_note_add(client_id=client.pk, actor=None, text="Pays late", sticky=True)
    give_every_tab_rows(client, 1)

    response = admin_client.get(reverse(url_name), {"client": client.pk})

    assert response.status_code == 200
    page = response.content.decode()
    tabs = tabs_in(response)
    assert [key for key, tab in tabs.items() if tab.current] == [current]
    assert 'class="client-tabs"' in page and 'aria-current="page"' in page
    assert tabs["contacts"].url == f"/admin/clients/contact/?client={client.pk}"
    assert tabs["summary"].url == f"/admin/clients/client/{client.pk}/summary/"
    assert tabs["notes"].count == 2 and tabs[current].count >= 1
    for tab in tabs.values():
        assert f'href="{tab.url}"' in page, tab.key
    # The sticky note shows once, under the bar.
    assert page.count("Pays late") == 1
    assert page.index("client-tabs") < page.index("Pays late")


@pytest.mark.parametrize(("url_name", "current"), ADD_PAGES_FOR_A_CLIENT)
def test_a_plain_add_page_has_no_tab_bar(admin_client, url_name, current):
    client = ClientFactory()
    client_note_add(client_id=client.pk, actor=None, text="Pays late", sticky=True)

    for params in ({}, {"client": "not-a-number"}, {"client": client.pk + 1000}):
        response = admin_client.get(reverse(url_name), params)
        assert response.status_code == 200, params
        page = response.content.decode()
        assert "client_tabs" not in response.context, params
        assert 'class="client-tabs"' not in page and "Pays late" not in page, params


@pytest.mark.parametrize(("url_name", "current"), ADD_PAGES_FOR_A_CLIENT)
def test_an_add_page_for_a_client_costs_the_same_however_many_rows(
    admin_client, django_assert_max_num_queries, url_name, current
):
    quiet, busy = ClientFactory(), ClientFactory()
    url = reverse(url_name)
    admin_client.get(url, {"client": quiet.pk})  # the counting query is compiled on first use
    with django_assert_max_num_queries(30) as plain:
        admin_client.get(url)
    with django_assert_max_num_queries(30) as few:
        assert admin_client.get(url, {"client": quiet.pk}).status_code == 200
    # The client, the tab figures (one query for all of them), its sticky notes, and the label
    # of the Client field the Quick Link fills in (Django's raw-id widget loads the client again).
    assert len(few.captured_queries) <= len(plain.captured_queries) + 4

    give_every_tab_rows(busy, 5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_client.get(url, {"client": busy.pk})
    assert tabs_in(response)[current].count == 5


def one_row_of_each_tab(client) -> dict[str, tuple[str, int]]:
    """The change page of one row on each tab: {tab key: (url name, row id)}."""
    contact = contact_create(
        client_id=client.pk, actor=None, first_name="Bill", last_name="Payer", email="b@x.io"
    )
    note = client_note_add(client_id=client.pk, actor=None, text="Call after 3pm", sticky=False)
    service = ClientServiceFactory(client=client)
    txn = make_transaction(client=client)
    return {
        "contacts": ("admin:clients_contact_change", contact.pk),
        "notes": ("admin:clients_clientnote_change", note.pk),
        "services": ("admin:invoices_clientservice_change", service.pk),
        "transactions": ("admin:transactions_transaction_change", txn.pk),
    }


def test_a_rows_own_page_has_its_clients_tab_bar(admin_client):
    client = ClientFactory()
    client_note_add(client_id=client.pk, actor=None, text="Pays late", sticky=True)

    for current, (url_name, pk) in one_row_of_each_tab(client).items():
        response = admin_client.get(reverse(url_name, args=[pk]))

        assert response.status_code == 200, current
        page = response.content.decode()
        tabs = tabs_in(response)
        assert [key for key, tab in tabs.items() if tab.current] == [current]
        assert tabs["summary"].url == f"/admin/clients/client/{client.pk}/summary/"
        assert 'class="client-tabs"' in page and page.count("Pays late") == 1, current


def test_a_transaction_of_a_deleted_client_has_no_tab_bar(admin_client):
    txn = make_transaction(client=None, description="Wire, client unknown")

    response = admin_client.get(reverse("admin:transactions_transaction_change", args=[txn.pk]))

    assert response.status_code == 200
    assert "client_tabs" not in response.context
    assert 'class="client-tabs"' not in response.content.decode()
