from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.services import client_send_welcome_email, client_set_status
from clients.tests.factories import ClientFactory, ClientGroupFactory
from credits.services import add_credit
from invoices.services import invoice_create, payment_record
from transactions.services import transaction_create

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:clients_client_changelist")


def summary_url(client) -> str:
    return reverse("admin:clients_client_summary", args=[client.pk])


def listed_ids(response) -> set[int]:
    return {client.pk for client in response.context["cl"].result_list}


def count_queries(http_client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert http_client.get(url).status_code == 200
    return len(queries)


def test_list_shows_columns_with_badge_balance_and_summary_link(admin_client):
    client = ClientFactory(first_name="Ada", last_name="Lovelace", currency="GBP")
    add_credit(client_id=client.pk, amount=Decimal("12.50"), description="Goodwill", actor=None)

    content = admin_client.get(LIST_URL).content.decode()

    assert f'href="{summary_url(client)}"' in content
    assert "Ada Lovelace" in content
    assert "12.50 GBP" in content
    assert ">Active</span>" in content


@pytest.mark.parametrize(
    "term",
    ["ada", "LOVE", "ada love", "analytical", "ADA.L@", "+44.2099", "4420991", "{pk}"],
)
def test_list_search_by_name_company_email_phone_and_id(admin_client, term):
    ada = ClientFactory(
        first_name="Ada",
        last_name="Lovelace",
        company_name="Analytical Engines",
        email="ada.l@example.com",
        phone_number="+44.2099112233",
    )
    ClientFactory(first_name="Grace", last_name="Hopper", company_name="Cobol", pk=ada.pk + 1000)

    response = admin_client.get(LIST_URL, {"q": term.format(pk=ada.pk)})

    assert listed_ids(response) == {ada.pk}


def test_list_search_survives_tsquery_syntax_in_the_term(admin_client):
    ClientFactory(first_name="Ada")

    response = admin_client.get(LIST_URL, {"q": "ada & | ! ( ' :*"})

    assert response.status_code == 200


def test_list_filters_by_status_group_country_and_currency(admin_client):
    vip = ClientGroupFactory(name="VIP")
    match = ClientFactory(country="DE", currency="EUR", group=vip)
    client_set_status(client_id=match.pk, status="Inactive", actor=None)
    ClientFactory(country="DE", currency="EUR", group=vip)  # Active
    ClientFactory(country="GB", currency="EUR")

    response = admin_client.get(
        LIST_URL,
        {
            "status__exact": "Inactive",
            "group__id__exact": vip.pk,
            "country__exact": "DE",
            "currency__exact": "EUR",
        },
    )

    assert listed_ids(response) == {match.pk}


def test_list_query_count_does_not_grow_with_rows(admin_client):
    ClientFactory(group=ClientGroupFactory())
    baseline = count_queries(admin_client, LIST_URL)
    for _ in range(15):
        ClientFactory(group=ClientGroupFactory())

    with CaptureQueriesContext(connection) as queries:
        admin_client.get(LIST_URL, {"q": "example"})
    # A search reads its contacts' matches and counts its name-word matches (see
    # more_named_than), and the filtered page counts its matches once.
    assert len(queries) <= baseline + 2
    assert count_queries(admin_client, LIST_URL) == baseline


def build_busy_client():
    client = ClientFactory(currency="USD")
    add_credit(client_id=client.pk, amount=Decimal("30.00"), description="Prepaid", actor=None)
    for amount in ["10.00", "20.00", "5.00"]:
        invoice_create(
            client_id=client.pk, items=[{"description": "Hosting", "amount": amount}], actor=None
        )
    paid = invoice_create(
        client_id=client.pk, items=[{"description": "Domain", "amount": "40.00"}], actor=None
    )
    payment_record(invoice_id=paid.pk, gateway="banktransfer", fees=Decimal("1.00"), actor=None)
    transaction_create(
        client=client, gateway="paypal", amount_in=Decimal("7.00"), description="Top-up", actor=None
    )
    client_send_welcome_email(client_id=client.pk, actor=None)
    client_set_status(client_id=client.pk, status="Inactive", actor=None)
    return client


def test_summary_shows_counts_totals_recent_entries_and_emails(admin_client):
    client = build_busy_client()

    response = admin_client.get(summary_url(client))

    invoice_figures = response.context["invoice_figures"]
    assert (invoice_figures.due_invoices, invoice_figures.due_balance) == (3, Decimal("35.00"))
    assert (invoice_figures.paid_invoices, invoice_figures.paid_total) == (1, Decimal("40.00"))
    figures = response.context["figures"]
    assert (figures.transactions, figures.income) == (2, Decimal("46.00"))
    content = response.content.decode()
    assert "30.00 USD" in content
    assert "Prepaid" in content
    assert "Welcome to" in content
    assert "Inactive" in content


def test_summary_quick_links_for_an_administrator(admin_client):
    client = ClientFactory()

    links = admin_client.get(summary_url(client)).context["quick_links"]

    labels = [link.label for link in links]
    assert labels[0] == "Edit Profile"
    assert "Send Welcome Email again" in labels
    assert labels.index("Send Welcome Email again") > 0
    delete_links = [link for link in links if link.label == "Delete Client"]
    assert [link.css_class for link in delete_links] in ([], ["danger"])


def test_summary_query_count_does_not_grow_with_history(admin_client):
    quiet = ClientFactory()
    busy = build_busy_client()

    assert count_queries(admin_client, summary_url(busy)) == count_queries(
        admin_client, summary_url(quiet)
    )


def test_summary_of_missing_client_goes_back_to_the_list_with_a_message(admin_client):
    response = admin_client.get(reverse("admin:clients_client_summary", args=[999999]), follow=True)
    assert response.redirect_chain == [(LIST_URL, 302)]
    assert [str(message) for message in response.context["messages"]] == [
        "Client with ID “999999” doesn’t exist. Perhaps it was deleted?"
    ]


def test_list_country_and_currency_filters_are_drop_downs(admin_client):
    content = admin_client.get(LIST_URL).content.decode()

    assert 'aria-label="Filter by country"' in content
    assert 'value="?country__exact=DE"' in content
    assert 'value="?currency__exact=EUR"' in content
