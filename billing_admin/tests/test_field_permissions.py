"""One permission rule for a client's fields, in the admin and the API alike: every field
UpdateClient writes, against every staff role, through the Profile page and through the API.
A field the Profile shows read-only to a role is refused to that role's credential (403)."""

import pytest
from django.urls import reverse

from api.services import credential_create
from billing_admin.tests.snapshots import billing_state
from clients.models import Client, ClientGroup
from clients.services import contact_create
from clients.tests.admin_forms import profile_post_data
from clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

ROLES = ("superuser", "billing", "support", "nogroup")
CONTACT, STATUS, BILLING = "contact", "status", "billing"
# What each role may change on an existing client.
ROLE_MAY_CHANGE = {
    "superuser": {CONTACT, STATUS, BILLING},
    "billing": {CONTACT, STATUS, BILLING},
    "support": {CONTACT},
    "nogroup": set(),
}


def field_changes(group: ClientGroup) -> list[tuple]:
    """(UpdateClient parameter, its value, Client field, the Profile's value, stored value,
    kind) for every field UpdateClient writes."""
    return [
        ("firstname", "Zed", "first_name", "Zed", "Zed", CONTACT),
        ("lastname", "Zedson", "last_name", "Zedson", "Zedson", CONTACT),
        ("companyname", "Zed Ltd", "company_name", "Zed Ltd", "Zed Ltd", CONTACT),
        ("email", "zed@example.com", "email", "zed@example.com", "zed@example.com", CONTACT),
        ("address1", "9 Zed Road", "address1", "9 Zed Road", "9 Zed Road", CONTACT),
        ("address2", "Flat 9", "address2", "Flat 9", "Flat 9", CONTACT),
        ("city", "Zedburgh", "city", "Zedburgh", "Zedburgh", CONTACT),
        ("state", "Zedshire", "state", "Zedshire", "Zedshire", CONTACT),
        ("postcode", "ZE1 1ZE", "postcode", "ZE1 1ZE", "ZE1 1ZE", CONTACT),
        ("country", "FR", "country", "FR", "FR", CONTACT),
        (
            "phonenumber",
            "+44.2099999999",
            "phone_number",
            "+44.2099999999",
            "+44.2099999999",
            CONTACT,
        ),
        ("marketingoptin", "1", "marketing_opt_in", "on", True, CONTACT),
        ("language", "french", "language", "fr", "fr", CONTACT),
        ("status", "Inactive", "status", "Inactive", "Inactive", STATUS),
        ("taxexempt", "1", "tax_exempt", "on", True, BILLING),
        ("overrideautoclose", "1", "override_auto_close", "on", True, BILLING),
        ("groupid", str(group.pk), "group", str(group.pk), group, BILLING),
        ("currency", "2", "currency", "EUR", "EUR", BILLING),
        ("creditpolicy", "never", "credit_policy", "never", "never", BILLING),
    ]


FIELD_NAMES = [row[0] for row in field_changes(ClientGroup(pk=1))]


@pytest.fixture(autouse=True)
def two_currencies(settings):
    settings.CURRENCIES = ["USD", "EUR"]


@pytest.fixture
def setup(login):
    def make(role):
        http = login(role)
        credential, secret = credential_create(
            name=role,
            user=http.user,
            allowed_actions=["UpdateClient"],
            allowed_ips=["127.0.0.1"],
            actor=None,
        )
        return http, credential, secret

    return make


def changed(customer: Client, field: str, stored) -> bool:
    customer.refresh_from_db()
    return getattr(customer, field) == stored


def row_for(parameter: str, group: ClientGroup) -> tuple:
    return next(row for row in field_changes(group) if row[0] == parameter)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("parameter", FIELD_NAMES)
def test_api_update_client_field_permission_matrix(client, setup, role, parameter):
    group = ClientGroup.objects.create(name="Resellers")
    customer = ClientFactory(currency="USD")
    _, value, field, _, stored, kind = row_for(parameter, group)
    _, credential, secret = setup(role)
    before = billing_state()

    response = client.post(
        "/includes/api.php",
        {
            "identifier": credential.identifier,
            "secret": secret,
            "action": "UpdateClient",
            "clientid": customer.pk,
            parameter: value,
        },
    )

    if kind in ROLE_MAY_CHANGE[role]:
        assert response.status_code == 200, response.content
        assert response.json()["result"] == "success", response.json()
        assert changed(customer, field, stored)
    else:
        assert response.status_code == 403, response.content
        assert billing_state() == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("parameter", FIELD_NAMES)
def test_admin_profile_field_permission_matrix(admin_client, setup, role, parameter):
    group = ClientGroup.objects.create(name="Resellers")
    customer = ClientFactory(currency="USD")
    _, _, field, form_value, stored, kind = row_for(parameter, group)
    http, _, _ = setup(role)
    data = profile_post_data(admin_client, customer, **{field: form_value})

    response = http.post(reverse("admin:clients_client_change", args=[customer.pk]), data)

    if role == "nogroup":
        assert response.status_code == 403
    else:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert changed(customer, field, stored) == (kind in ROLE_MAY_CHANGE[role])


# ---- every write action against every role -------------------------------------------------------

STAFF_MAY = {CONTACT}  # Support staff: view and add clients, change contact details
WRITE_ACTIONS = {
    # action: (what it needs beyond a staff login, parameters)
    "AddClient": ("add", {}),
    "UpdateClient": (CONTACT, {"city": "Leeds"}),
    # Contacts and notes: Support staff manage them, as in the admin.
    "AddContact": (CONTACT, {"firstname": "Bill", "lastname": "Payer", "email": "b@example.com"}),
    "UpdateContact": (CONTACT, {"city": "Leeds"}),
    "DeleteContact": (CONTACT, {}),
    "AddClientNote": (CONTACT, {"notes": "Called"}),
    "CloseClient": ("money", {}),
    "DeleteClient": ("money", {}),
    "AddCredit": ("money", {"amount": "5.00", "description": "x"}),
    "ApplyCredit": ("money", {"amount": "5.00"}),
    "AddTransaction": (
        "money",
        {"paymentmethod": "paypal", "amountin": "1.00", "description": "x"},
    ),
    "UpdateTransaction": ("money", {"description": "y", "invoiceid": ""}),
    "CreateInvoice": ("money", {"itemdescription1": "VPS", "itemamount1": "9.00"}),
    "UpdateInvoice": ("money", {"notes": "n"}),
    "AddInvoicePayment": ("money", {"transid": "T-1", "gateway": "paypal", "amount": "1.00"}),
}
ROLE_MAY_DO = {
    "superuser": {"add", CONTACT, "money"},
    "billing": {"add", CONTACT, "money"},
    "support": {"add", CONTACT},
    "nogroup": set(),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", WRITE_ACTIONS)
def test_api_write_action_permission_matrix(client, setup_any, world, role, action):
    from clients.tests.factories import client_profile_data

    needs, params = WRITE_ACTIONS[action]
    credential, secret = setup_any(role)
    base = {
        "clientid": world.client.pk,
        "userid": world.client.pk,
        "invoiceid": world.invoice.pk,
        "transactionid": world.txn.pk,
    }
    if action == "AddClient":
        profile = client_profile_data(email="new@example.com")
        base = {
            "firstname": profile["first_name"],
            "lastname": profile["last_name"],
            "email": "new@example.com",
            "address1": profile["address1"],
            "city": profile["city"],
            "state": profile["state"],
            "postcode": profile["postcode"],
            "country": profile["country"],
            "phonenumber": profile["phone_number"],
        }
    if action in ("UpdateContact", "DeleteContact"):
        contact = contact_create(
            client_id=world.client.pk, actor=None, first_name="Ann", email="ann@example.com"
        )
        base["contactid"] = contact.pk
    before = billing_state()

    response = client.post(
        "/includes/api.php",
        {
            "identifier": credential.identifier,
            "secret": secret,
            "action": action,
            **base,
            **params,
        },
    )

    if needs in ROLE_MAY_DO[role]:
        assert response.status_code == 200, response.content
        assert response.json()["result"] == "success", response.json()
    else:
        assert response.status_code == 403, response.content
        assert billing_state() == before


@pytest.fixture
def setup_any(login):
    from api.registry import ACTION_NAMES

    def make(role):
        http = login(role)
        return credential_create(
            name=role,
            user=http.user,
            allowed_actions=ACTION_NAMES,
            allowed_ips=["127.0.0.1"],
            actor=None,
        )

    return make
