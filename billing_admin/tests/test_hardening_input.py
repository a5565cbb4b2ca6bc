"""Input classes that must never answer HTTP 500, each through the same path people use: the API
over HTTP and the admin's lists and pages. One test per class, over every place of the class."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from api.registry import ACTION_NAMES
from api.services import credential_create
from api.views import MALFORMED_BODY
from billing_admin.parsing import MAX_SEARCH_LENGTH, MAX_SEARCH_WORDS, SEARCH_TRIMMED, bound_search
from billing_admin.tests.snapshots import billing_state

pytestmark = pytest.mark.django_db

# Past Python's 4,300-digit limit for int() of a string.
HUGE = "9" * 5000


@pytest.fixture
def api_post(client, django_user_model):
    """``api_post(action, **params)`` -> the HTTP response of a superuser-owned credential."""
    owner = django_user_model.objects.create_superuser("api-owner", password="pw")
    credential, secret = credential_create(
        name="Hostile",
        user=owner,
        allowed_actions=ACTION_NAMES,
        allowed_ips=["127.0.0.1"],
        actor=None,
    )

    def post(action, **params):
        data = {"identifier": credential.identifier, "secret": secret, "action": action}
        body = urlencode({**data, **params}, doseq=True)
        return client.post("/includes/api.php", body, "application/x-www-form-urlencoded")

    return post


# Every parameter the API reads as an id or a count, with the action that reads it.
API_NUMBER_PARAMETERS = [
    ("UpdateClient", "clientid"),
    ("UpdateClient", "groupid"),
    ("UpdateClient", "currency"),
    ("GetClients", "limitstart"),
    ("GetClients", "limitnum"),
    ("GetClientsDetails", "clientid"),
    ("CloseClient", "clientid"),
    ("DeleteClient", "clientid"),
    ("AddCredit", "clientid"),
    ("AddCredit", "adminid"),
    ("GetCredits", "clientid"),
    ("ApplyCredit", "invoiceid"),
    ("AddTransaction", "userid"),
    ("AddTransaction", "invoiceid"),
    ("AddTransaction", "currencyid"),
    ("GetTransactions", "invoiceid"),
    ("GetTransactions", "clientid"),
    ("GetTransactions", "limitnum"),
    ("UpdateTransaction", "transactionid"),
    ("CreateInvoice", "userid"),
    ("GetInvoice", "invoiceid"),
    ("GetInvoices", "userid"),
    ("GetInvoices", "limitstart"),
    ("UpdateInvoice", "invoiceid"),
    ("UpdateInvoice", "deletelineids[]"),
    ("UpdateInvoice", f"itemdescription[{HUGE}]"),
    ("CreateInvoice", f"itemdescription{HUGE}"),
    ("AddInvoicePayment", "invoiceid"),
]


@pytest.mark.parametrize(("action", "parameter"), API_NUMBER_PARAMETERS)
def test_api_huge_numbers_are_refused_or_bounded(api_post, world, action, parameter):
    base = {"clientid": world.client.pk, "userid": world.client.pk, "invoiceid": world.invoice.pk}
    before = billing_state()

    response = api_post(action, **{**base, parameter: HUGE, "paymentmethod": "paypal"})

    assert response.status_code == 200, response.content[:300]
    answer = response.json()
    if answer["result"] == "error":
        assert answer["message"]
        assert billing_state() == before


@pytest.mark.parametrize(
    ("changelist", "parameter"),
    [
        ("clients_client", "q"),
        ("credits_creditentry", "q"),
        ("credits_creditentry", "client"),
        ("transactions_transaction", "q"),
        ("invoices_invoice", "q"),
        ("invoices_invoice", "client"),
        ("clients_clientevent", "q"),
        ("clients_client", "p"),
    ],
)
def test_admin_lists_take_huge_numbers(admin_client, world, changelist, parameter):
    response = admin_client.get(reverse(f"admin:{changelist}_changelist"), {parameter: HUGE})

    assert response.status_code in (200, 302)


def test_bulk_status_page_takes_huge_ids(admin_client, world):
    url = reverse("admin:clients_client_bulk_status", args=["inactive"])
    response = admin_client.get(url, {"ids": f"{world.client.pk},{HUGE}"})

    assert response.status_code in (200, 302)


def test_api_answers_an_unreadable_body_in_its_envelope(client):
    # A multipart part header longer than Django's parser accepts.
    response = client.post("/includes/api.php", {f"itemdescription{HUGE * 2}": "x"})

    assert response.status_code == 400
    assert response.json() == {"result": "error", "message": MALFORMED_BODY}


# ---- sums of valid amounts -----------------------------------------------------------------------

LARGEST = "9999999999.99"  # the largest amount one money column accepts


def test_sums_past_one_column_are_presentable_in_api_and_admin(api_post, admin_client, world):
    for transid in ("BIG-1", "BIG-2"):
        answer = api_post(
            "AddTransaction",
            userid=world.client.pk,
            paymentmethod="paypal",
            transid=transid,
            amountin=LARGEST,
            description="Wire",
        ).json()
        assert answer["result"] == "success", answer

    response = api_post("GetClientsDetails", clientid=world.client.pk, stats="true")

    assert response.status_code == 200
    stats = response.json()["stats"]
    assert stats["grossRevenue"] == "20000000009.98 USD"  # with the world's 10.00
    summary = admin_client.get(reverse("admin:clients_client_summary", args=[world.client.pk]))
    assert summary.status_code == 200


def test_format_money_takes_any_finite_sum():
    from billing_admin.money import format_money

    assert format_money("19999999999.98") == "19999999999.98"
    assert format_money("1" + "0" * 40 + ".005") == "1" + "0" * 40 + ".01"


# ---- very long searches ------------------------------------------------------------------------

LONG_SEARCH = " ".join(f"w{n}" for n in range(18_000))


@pytest.mark.parametrize(
    "changelist",
    [
        "clients_client",
        "clients_clientevent",
        "clients_clientdeletion",
        "credits_creditentry",
        "transactions_transaction",
        "transactions_transactiondeletion",
        "invoices_invoice",
        "invoices_clientservice",
        "api_apicredential",
    ],
)
def test_every_admin_list_bounds_a_long_search(admin_client, world, changelist):
    url = reverse(f"admin:{changelist}_changelist")

    response = admin_client.get(url, {"q": LONG_SEARCH})

    assert response.status_code == 200
    assert SEARCH_TRIMMED in response.content.decode()
    assert admin_client.get(url, {"q": "-".join(["a"] * 9_000)}).status_code == 200


def test_api_search_bounds_a_long_search(api_post, world):
    answer = api_post("GetClients", search=LONG_SEARCH).json()

    assert answer["result"] == "success"


def test_bound_search_keeps_short_terms_whole():
    assert bound_search("  Ada  Lovelace ") == "  Ada  Lovelace "
    assert bound_search(LONG_SEARCH).split() == LONG_SEARCH.split()[:MAX_SEARCH_WORDS]
    assert len(bound_search("x" * 10_000)) == MAX_SEARCH_LENGTH


@pytest.mark.parametrize(
    ("changelist", "action"),
    [
        ("clients_client", "delete_selected_clients"),
        ("clients_client", "mark_inactive_selected"),
        ("transactions_transaction", "delete_selected_transactions"),
        ("clients_emaillog", "resend_selected"),
        ("api_apicredential", "revoke_selected"),
    ],
)
@pytest.mark.parametrize("selected", ["", "x", HUGE])
def test_list_actions_refuse_a_selection_that_is_not_an_id(
    admin_client, world, changelist, action, selected
):
    before = billing_state()
    url = reverse(f"admin:{changelist}_changelist")

    response = admin_client.post(url, {"action": action, "_selected_action": [selected]})

    assert response.status_code == 302
    page = admin_client.get(response.url).content.decode()
    assert "Items must be selected in order to perform actions on them" in page
    assert billing_state() == before
