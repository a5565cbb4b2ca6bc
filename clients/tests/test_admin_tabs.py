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
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices.services import invoice_create

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
