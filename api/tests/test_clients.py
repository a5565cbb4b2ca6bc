"""Client actions over HTTP: AddClient, UpdateClient, GetClients, GetClientsDetails,
CloseClient, DeleteClient."""

from decimal import Decimal

import pytest
from django.urls import reverse

from api.tests.factories import add_client_params
from clients.models import Client, ClientEvent, ClientGroup, EmailLog
from clients.tests.factories import ClientFactory, ClientGroupFactory
from credits.services import add_credit
from invoices.models import Invoice
from invoices.services import invoice_create, invoice_update
from invoices.tests.factories import ClientServiceFactory
from transactions.models import Transaction, TransactionDeletion

pytestmark = pytest.mark.django_db


def test_add_client_creates_client_audited_with_the_credential(call, credential):
    answer = call("AddClient", **add_client_params(email="ada@example.com", language="english"))
    assert answer["result"] == "success"
    client = Client.objects.get(email="ada@example.com")
    assert answer == {"result": "success", "clientid": client.pk, "owner_id": client.pk}
    assert client.first_name == "Ada"
    assert client.country == "GB"
    assert client.language == "en"
    assert client.status == Client.Status.ACTIVE
    event = client.events.get(kind=ClientEvent.Kind.CREATED)
    assert event.actor_label == f"API: {credential.identifier}"
    assert event.actor_user == credential.user


def test_add_client_sends_welcome_email_unless_noemail(
    call, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call("AddClient", **add_client_params(email="quiet@example.com", noemail="true"))
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        call("AddClient", **add_client_params(email="greet@example.com", noemail=""))
    assert [mail.to for mail in mailoutbox] == [["greet@example.com"]]
    assert EmailLog.objects.get().to_address == "greet@example.com"


def test_add_client_maps_currency_and_group_ids(call):
    group = ClientGroupFactory(name="Resellers")
    answer = call("AddClient", **add_client_params(currency="1", groupid=str(group.pk)))
    client = Client.objects.get(pk=answer["clientid"])
    assert client.currency == "USD"
    assert client.group == group


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("firstname", "You did not enter your first name"),
        ("lastname", "You did not enter your last name"),
        ("email", "You did not enter your email address"),
        ("address1", "You did not enter your  address line 1"),
        ("city", "You did not enter your city"),
        ("state", "You did not enter your state"),
        ("postcode", "You did not enter your postcode"),
        ("country", "Valid country required"),
        ("phonenumber", "You did not enter your phone number"),
    ],
)
def test_add_client_required_fields(call, missing, message):
    params = add_client_params()
    del params[missing]
    assert call("AddClient", **params) == {"result": "error", "message": message}
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"email": "not-an-email"}, "The email address you entered was not valid"),
        ({"country": "XX"}, "Valid country required"),
        ({"currency": "99"}, "Currency ID Not Found"),
        ({"groupid": "12345"}, "Client Group ID Not Found"),
        ({"groupid": "abc"}, "Client Group ID Not Found"),
        ({"owner_user_id": "1"}, "Invalid Owner User ID"),
    ],
)
def test_add_client_invalid_values(call, override, message):
    assert call("AddClient", **add_client_params(**override))["message"] == message
    assert not Client.objects.exists()


def test_add_client_duplicate_email(call):
    ClientFactory(email="taken@example.com")
    answer = call("AddClient", **add_client_params(email="TAKEN@example.com"))
    assert answer == {"result": "error", "message": "A user already exists with that email address"}
    assert Client.objects.count() == 1


def test_update_client_by_id_returns_string_id_and_records_history(call, credential):
    client = ClientFactory(first_name="Old")
    answer = call("UpdateClient", clientid=str(client.pk), firstname="New", status="Inactive")
    assert answer == {"result": "success", "clientid": str(client.pk)}
    client.refresh_from_db()
    assert client.first_name == "New"
    assert client.status == Client.Status.INACTIVE
    kinds = set(client.events.values_list("kind", "actor_label"))
    assert kinds == {
        (ClientEvent.Kind.PROFILE_CHANGED, f"API: {credential.identifier}"),
        (ClientEvent.Kind.STATUS_CHANGED, f"API: {credential.identifier}"),
    }


def test_update_client_by_email_leaves_unsent_fields_alone(call):
    client = ClientFactory(email="find@example.com", company_name="Keep Ltd")
    answer = call("UpdateClient", clientemail="FIND@example.com", city="Leeds")
    assert answer["clientid"] == str(client.pk)
    client.refresh_from_db()
    assert (client.city, client.company_name) == ("Leeds", "Keep Ltd")


@pytest.mark.parametrize(
    "lookup", [{"clientid": "999999"}, {"clientid": "x1"}, {"clientemail": "no@example.com"}, {}]
)
def test_update_client_not_found(call, lookup):
    assert call("UpdateClient", **lookup, city="Leeds") == {
        "result": "error",
        "message": "Client ID Not Found",
    }


def test_update_client_errors_write_nothing(call):
    ClientFactory(email="other@example.com")
    client = ClientFactory(email="me@example.com")
    answer = call("UpdateClient", clientid=client.pk, email="other@example.com", status="Closed")
    assert answer["message"] == "Duplicate Email Address"
    answer = call("UpdateClient", clientid=client.pk, email="bad@", firstname="X")
    assert answer["message"] == "The email address entered is not valid"
    assert call("UpdateClient", clientid=client.pk, status="Gone")["message"] == (
        "Invalid status Gone"
    )
    client.refresh_from_db()
    assert (client.email, client.status) == ("me@example.com", Client.Status.ACTIVE)
    assert not client.events.exists()


def test_get_clients_lists_wrapped_with_paging(call):
    group = ClientGroupFactory()
    clients = [ClientFactory(group=group if n == 0 else None) for n in range(3)]
    answer = call("GetClients", limitstart="1", limitnum="1")
    assert answer["totalresults"] == 3
    assert answer["startnumber"] == 1
    assert answer["numreturned"] == 1
    row = answer["clients"]["client"][0]
    assert row["id"] == clients[1].pk
    assert set(row) == {
        "id",
        "firstname",
        "lastname",
        "companyname",
        "email",
        "datecreated",
        "groupid",
        "status",
    }
    assert call("GetClients")["clients"]["client"][0]["groupid"] == group.pk


def test_get_clients_past_the_end_returns_zero(call):
    ClientFactory()
    answer = call("GetClients", limitstart="10")
    assert (answer["result"], answer["numreturned"], answer["totalresults"]) == ("success", 0, 1)
    assert answer["clients"]["client"] == []


def test_get_clients_search_status_and_order(call):
    ada = ClientFactory(first_name="Ada", last_name="Byron", company_name="Engines", email="a@x.io")
    bob = ClientFactory(first_name="Bob", last_name="Adams", company_name="Bakery", email="b@x.io")
    ClientFactory(first_name="Cy", last_name="Zed", company_name="Zed Co", email="c@x.io")
    found = call("GetClients", search="ad")["clients"]["client"]
    assert {row["id"] for row in found} == {ada.pk, bob.pk}
    assert [r["id"] for r in call("GetClients", search="ada byr")["clients"]["client"]] == [ada.pk]
    assert [r["id"] for r in call("GetClients", search="bak")["clients"]["client"]] == [bob.pk]
    ordered = call("GetClients", orderby="lastname", sorting="DESC")["clients"]["client"]
    assert [row["lastname"] for row in ordered] == ["Zed", "Byron", "Adams"]
    Client.objects.filter(pk=bob.pk).update(status=Client.Status.INACTIVE)
    inactive = call("GetClients", status="Inactive")["clients"]["client"]
    assert [row["id"] for row in inactive] == [bob.pk]


def test_get_clients_query_count_is_constant(call, django_assert_max_num_queries):
    ClientFactory.create_batch(3)
    with django_assert_max_num_queries(6) as few:
        call("GetClients")
    baseline = len(few)
    ClientFactory.create_batch(20)
    with django_assert_max_num_queries(baseline):
        call("GetClients")


def test_get_clients_details_with_stats(call):
    client = ClientFactory(email="stats@example.com")
    add_credit(client_id=client.pk, amount=Decimal("12.50"), description="goodwill", actor=None)
    invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "45.90"}], actor=None
    )
    ClientServiceFactory(client=client)
    answer = call("GetClientsDetails", email="STATS@example.com", stats="true")
    details = answer["client"]
    assert details["id"] == client.pk
    assert details["email"] == "stats@example.com"
    assert details["credit"] == "12.50"
    assert details["currency"] == 1
    assert details["currency_code"] == "USD"
    assert details["countryname"] == "United Kingdom"
    assert details["users"]["user"] == [
        {"id": client.pk, "name": client.full_name, "email": client.email, "is_owner": True}
    ]
    stats = answer["stats"]
    assert stats["numunpaidinvoices"] == 1
    assert stats["numdueinvoices"] == 1
    assert stats["dueinvoicesbalance"] == "45.90 USD"
    assert stats["creditbalance"] == "12.50 USD"
    assert stats["incredit"] is True
    assert stats["productsnumactive"] == 1
    assert "stats" not in call("GetClientsDetails", clientid=client.pk)


def test_summary_and_get_clients_details_count_the_same_open_invoices(call, admin_client):
    """Unpaid, Payment Pending and Collections all still expect money: both count all three."""
    client = ClientFactory()
    for status, amount in [
        (Invoice.Status.UNPAID, "10.00"),
        (Invoice.Status.PAYMENT_PENDING, "20.00"),
        (Invoice.Status.COLLECTIONS, "30.00"),
        (Invoice.Status.DRAFT, "99.00"),
    ]:
        invoice = invoice_create(
            client_id=client.pk,
            items=[{"description": status, "amount": amount}],
            status=Invoice.Status.DRAFT,
            actor=None,
        )
        invoice_update(invoice_id=invoice.pk, status=status, actor=None)

    stats = call("GetClientsDetails", clientid=client.pk, stats="true")["stats"]
    summary = admin_client.get(reverse("admin:clients_client_summary", args=[client.pk]))

    figures = summary.context["invoice_figures"]
    assert (stats["numdueinvoices"], stats["dueinvoicesbalance"]) == (3, "60.00 USD")
    assert (figures.due_invoices, figures.due_balance) == (3, Decimal("60.00"))
    assert "3 (60.00 USD due)" in summary.content.decode()


def test_get_clients_details_errors(call):
    assert call("GetClientsDetails")["message"] == "Either clientid Or email Is Required"
    assert call("GetClientsDetails", clientid="424242")["message"] == "Client Not Found"
    assert call("GetClientsDetails", email="nobody@example.com")["message"] == "Client Not Found"


def test_close_client_closes_and_cancels_unpaid_invoices(call, credential):
    client = ClientFactory()
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "10.00"}], actor=None
    )
    assert call("CloseClient", clientid=client.pk) == {"result": "success", "clientid": client.pk}
    client.refresh_from_db()
    invoice.refresh_from_db()
    assert client.status == Client.Status.CLOSED
    assert invoice.status == Invoice.Status.CANCELLED
    event = client.events.get(kind=ClientEvent.Kind.STATUS_CHANGED)
    assert event.actor_label == f"API: {credential.identifier}"


def test_close_client_not_found(call):
    assert call("CloseClient", clientid="31337")["message"] == "Client ID Not Found"
    assert call("CloseClient")["message"] == "Client ID Not Found"


def test_delete_client_keeps_transactions(call):
    client = ClientFactory()
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "10.00"}], actor=None
    )
    call("AddInvoicePayment", invoiceid=invoice.pk, transid="T-1", gateway="paypal")
    answer = call("DeleteClient", clientid=client.pk, deleteusers="1")
    assert answer == {"result": "success", "clientid": str(client.pk)}
    assert not Client.objects.filter(pk=client.pk).exists()
    txn = Transaction.objects.get(transaction_id="T-1")
    assert (txn.client_id, txn.client_snapshot_id) == (None, client.pk)


def test_delete_client_not_found(call):
    assert call("DeleteClient", clientid="999") == {
        "result": "error",
        "message": "Client ID Not Found",
    }


def test_client_groups_lookup(call):
    ClientGroupFactory(name="VIP", colour="#ffcc00")
    answer = call("GetClientGroups")
    group = ClientGroup.objects.get()
    assert answer["totalresults"] == 1
    assert answer["groups"]["group"] == [
        {"id": group.pk, "groupname": "VIP", "groupcolour": "#ffcc00"}
    ]


def test_delete_client_with_deletetransactions_removes_them_audited(call, credential):
    client_id = call("AddClient", **add_client_params())["clientid"]
    keep_id = call("AddClient", **add_client_params())["clientid"]
    for owner_id, transid in ((client_id, "GO-1"), (keep_id, "STAY-1")):
        call(
            "AddTransaction",
            userid=owner_id,
            paymentmethod="paypal",
            transid=transid,
            amountin="5.00",
            description="Deposit",
        )
    answer = call("DeleteClient", clientid=client_id, deletetransactions="true")
    assert answer["result"] == "success"
    assert list(Transaction.objects.values_list("transaction_id", flat=True)) == ["STAY-1"]
    deletion = TransactionDeletion.objects.get()
    assert deletion.actor_label == f"API: {credential.identifier}"


def test_update_client_currency_locked_once_money_exists(call, settings):
    settings.CURRENCIES = ["USD", "EUR"]
    client = ClientFactory(currency="USD")
    add_credit(client_id=client.pk, amount=Decimal("1.00"), description="x", actor=None)
    answer = call("UpdateClient", clientid=client.pk, currency="2")
    assert answer["message"].startswith("The currency cannot be changed once the client has")
    client.refresh_from_db()
    assert client.currency == "USD"
    fresh = ClientFactory(currency="USD")
    assert call("UpdateClient", clientid=fresh.pk, currency="2")["result"] == "success"
    fresh.refresh_from_db()
    assert fresh.currency == "EUR"
