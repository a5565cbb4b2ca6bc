"""Hostile input: every form, list, command and API action fed wrong, huge, non-finite,
many-decimal, NUL-holding, markup- and SQL-looking values answers with a clear error (never a 500)
and, when it refuses, leaves every billing table exactly as it was.

A value may happen to be valid (hypothesis also draws ordinary text); then the request succeeds,
which is fine: what is checked is that nothing half-happens.
"""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib import admin as django_admin
from django.core.management import CommandError, call_command
from django.db import models
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from api.registry import ACTION_NAMES
from api.services import credential_create
from billing_admin.tests.snapshots import billing_rows, rows_written
from billing_admin.tests.test_csrf_and_get_safety import all_routes, concrete_path
from clients.forms import ClientAddForm, ClientForm
from clients.models import Client
from clients.tests.admin_forms import profile_post_data
from clients.tests.factories import client_profile_data
from credits.forms import CreditChangeForm
from invoices.forms import ApplyCreditForm, PaymentForm, RemoveCreditForm
from transactions.models import Transaction
from transactions.services import TRANSACTION_INPUT_FIELDS

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    " ",
    "\x00",
    "5\x00",
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1e400",
    "-1e400",
    "1e3",
    "-1",
    "-0.01",
    "0",
    "0.001",
    "1.999999999",
    "99999999999999999999999999999",
    "9999999999.99",
    "1,000.00",
    "0x10",
    "²",
    "١٢٣",
    "𝟙𝟚",
    "<script>alert(1)</script>",
    "<b>x</b>",
    "' OR 1=1 --",
    "'; DROP TABLE clients_client; --",
    "%s %(x)s {0}",
    "../../etc/passwd",
    "a" * 5000,
    "9" * 5000,  # past the 4,300 digits int() converts
    "\x01\x08\x0b\x0c\x1f\ufffe\uffff",  # characters XML 1.0 forbids
    " ".join(["w"] * 18_000),  # a search deeper than PostgreSQL's stack
    "Ωmega ünïcödé 中文 🙂",
    "2026-02-30",
    "9999-12-31 23:59:59",
    "0000-00-00",
    "true",
    "[]",
    "{}",
]
HOSTILE = st.one_of(st.sampled_from(NASTY), st.text(max_size=300))
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def stored(value):
    """A cleaned form value as its column holds it (a model instance by its primary key)."""
    return value.pk if isinstance(value, models.Model) else value


def admin_form(model, user, data: dict, obj=None):
    """The admin's own form for ``model`` (add form, or change form of ``obj``), bound."""
    request = RequestFactory().post("/")
    request.user = user
    form_class = django_admin.site.get_model_admin(model).get_form(request, obj)
    return form_class(data, instance=obj)


def validated(form) -> dict | None:
    """What ``form`` makes of its data, read before the post (a post may take the email it
    checks): the values a successful post must have stored; None when it refuses the data."""
    return form.cleaned_data if form.is_valid() else None


def accepted(expected: dict | None) -> dict:
    assert expected is not None, "the view saved data its own form refuses"
    return expected


def assert_refused_cleanly_or_stored(response, before, check_stored) -> None:
    """A re-shown form carries an error and wrote nothing. A redirect means the post was valid:
    ``check_stored(written)`` then asserts what it stored, ``written`` being the rows added or
    changed per model (snapshots.rows_written)."""
    assert response.status_code in (200, 302), response.status_code
    after = billing_rows()
    if response.status_code == 200:
        page = response.content.decode()
        assert "errorlist" in page or "errornote" in page
        assert after == before
    else:
        check_stored(rows_written(before, after))


def only_row(written: dict, label: str) -> dict:
    """The one row of ``label`` the post wrote (added or changed)."""
    assert len(written.get(label, [])) == 1, written
    return written[label][0]


# ---- admin forms -------------------------------------------------------------------------------

PROFILE_FIELDS = [
    "first_name",
    "last_name",
    "company_name",
    "email",
    "phone_number",
    "address1",
    "city",
    "state",
    "postcode",
    "country",
    "currency",
    "language",
    "group",
    "notes",
]


@FUZZ
@given(field=st.sampled_from(PROFILE_FIELDS), value=HOSTILE)
def test_add_new_client_form(admin_client, admin_user, field, value):
    data = client_profile_data(**{field: value})
    expected = validated(admin_form(Client, admin_user, data))
    before = billing_rows()
    response = admin_client.post(reverse("admin:clients_client_add"), data)

    def check_stored(written):
        client = only_row(written, "clients.Client")
        values = accepted(expected)
        for name in ClientAddForm.Meta.fields:
            column = Client._meta.get_field(name).attname
            assert client[column] == stored(values[name]), name

    assert_refused_cleanly_or_stored(response, before, check_stored)


@FUZZ
@given(field=st.sampled_from([*PROFILE_FIELDS, "status", "credit_balance"]), value=HOSTILE)
def test_profile_form(admin_client, admin_user, world, field, value):
    data = profile_post_data(admin_client, world.client, **{field: value})
    client = Client.objects.get(pk=world.client.pk)
    expected = validated(admin_form(Client, admin_user, data, obj=client))
    before = billing_rows()
    response = admin_client.post(
        reverse("admin:clients_client_change", args=[world.client.pk]), data
    )

    def check_stored(written):
        values = accepted(expected)
        if field not in ClientForm.Meta.fields:  # a notes log entry, not a client column
            return
        column = Client._meta.get_field(field).attname
        assert getattr(Client.objects.get(pk=client.pk), column) == stored(values[field])

    assert_refused_cleanly_or_stored(response, before, check_stored)


@FUZZ
@given(
    operation=st.sampled_from(["add", "remove"]),
    field=st.sampled_from(["amount", "description", "request_key"]),
    value=HOSTILE,
)
def test_manage_credits_forms(admin_client, world, operation, field, value):
    url = reverse(f"admin:clients_client_{operation}_credit", args=[world.client.pk])
    data = {"description": "Goodwill", "amount": "1.00", field: value}
    expected = validated(CreditChangeForm(data))
    before = billing_rows()
    response = admin_client.post(url, data)

    def check_stored(written):
        values = accepted(expected)
        entry = only_row(written, "credits.CreditEntry")
        sign = 1 if operation == "add" else -1
        assert entry["amount"] == sign * values["amount"]
        assert entry["description"] == values["description"]
        client = only_row(written, "clients.Client")
        old_balance = before["clients.Client"][world.client.pk]["credit_balance"]
        assert client["credit_balance"] == old_balance + entry["amount"]

    assert_refused_cleanly_or_stored(response, before, check_stored)


INVOICE_FORM_CLASSES = {
    "apply_credit": ApplyCreditForm,
    "remove_credit": RemoveCreditForm,
    "add_payment": PaymentForm,
}
INVOICE_FORMS = {
    "apply_credit": {"amount": "1.00"},
    "remove_credit": {"amount": "1.00"},
    "add_payment": {
        "date": "2026-11-24 10:00:00",
        "gateway": "paypal",
        "transaction_id": "T-1",
        "amount": "1.00",
        "fees": "0",
    },
}


@FUZZ
@given(
    form_and_field=st.sampled_from(
        [(name, field) for name, data in INVOICE_FORMS.items() for field in data]
    ),
    value=HOSTILE,
)
def test_invoice_credit_and_payment_forms(admin_client, world, form_and_field, value):
    name, field = form_and_field
    url = reverse(f"admin:invoices_invoice_{name}", args=[world.invoice.pk])
    data = {**INVOICE_FORMS[name], field: value}
    expected = validated(INVOICE_FORM_CLASSES[name](data))
    before = billing_rows()
    response = admin_client.post(url, data)

    def check_stored(written):
        values = accepted(expected)
        invoice = only_row(written, "invoices.Invoice")
        if name == "add_payment":
            txn = only_row(written, "transactions.Transaction")
            assert (txn["gateway"], txn["transaction_id"]) == (
                values["gateway"],
                values["transaction_id"],
            )
            # Examples share the fixture's invoice: earlier payments are already on it.
            old_paid = before["invoices.Invoice"][world.invoice.pk]["amount_paid"]
            assert invoice["amount_paid"] == old_paid + txn["amount_in"]
            if values["amount"] is not None:
                assert txn["amount_in"] == values["amount"]
        else:
            entry = only_row(written, "credits.CreditEntry")
            applied = -entry["amount"] if name == "apply_credit" else entry["amount"]
            old_applied = before["invoices.Invoice"][world.invoice.pk]["credit_applied"]
            assert invoice["credit_applied"] == old_applied + (
                applied if name == "apply_credit" else -applied
            )
            if values["amount"] is not None:
                assert applied == values["amount"]

    assert_refused_cleanly_or_stored(response, before, check_stored)


def transaction_form_data(world) -> dict:
    return {
        "date_0": "2026-11-24",
        "date_1": "10:00:00",
        "client": world.client.pk,
        "invoice": "",
        "gateway": "paypal",
        "transaction_id": "T-9",
        "description": "Wire",
        "amount_in": "10.00",
        "fees": "0.00",
        "amount_out": "0.00",
        "currency": "",
    }


@FUZZ
@given(
    field=st.sampled_from(
        ["date_0", "date_1", *(name for name in TRANSACTION_INPUT_FIELDS if name != "date")]
    ),
    value=HOSTILE,
)
def test_add_transaction_form(admin_client, admin_user, world, field, value):
    data = {**transaction_form_data(world), field: value}
    expected = validated(admin_form(Transaction, admin_user, data))
    before = billing_rows()
    response = admin_client.post(reverse("admin:transactions_transaction_add"), data)

    def check_stored(written):
        values = accepted(expected)
        txn = only_row(written, "transactions.Transaction")
        for name in TRANSACTION_INPUT_FIELDS:
            column = Transaction._meta.get_field(name).attname
            assert txn[column] == stored(values[name]), name

    assert_refused_cleanly_or_stored(response, before, check_stored)


def other_add_forms(*, client_id: int, user_id: int) -> dict:
    """The remaining add pages, each with valid data to spoil one field of."""
    return {
        "invoices_invoice": {
            "client": client_id,
            "date": "2026-11-24",
            "due_date": "2026-12-01",
            "status": "Unpaid",
            "notes": "",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "1000",
            "items-0-description": "Hosting",
            "items-0-amount": "10.00",
        },
        "invoices_clientservice": {
            "client": client_id,
            "product_name": "VPS",
            "description": "",
            "status": "Active",
            "billing_cycle": "monthly",
            "recurring_amount": "10.00",
            "registration_date": "2026-11-24",
            "next_due_date": "2026-12-24",
        },
        "api_apicredential": {
            "name": "Sync",
            "user": user_id,
            "allowed_actions": "GetClients",
            "allowed_ips": "127.0.0.1",
        },
        "clients_clientgroup": {"name": "Resellers", "colour": "#ffcc00", "notes": ""},
        "clients_contact": {
            "client": client_id,
            "first_name": "Bill",
            "last_name": "Payer",
            "email": "bill@example.com",
            "phone_number": "",
            "country": "GB",
            "invoice_emails": "on",
            "is_billing_contact": "on",
        },
        "clients_clientnote": {"client": client_id, "text": "Called", "sticky": "on"},
    }


# Stored in a normalised shape (sorted, networks with their prefix) by the credential service.
NORMALISED_FIELDS = {"allowed_actions", "allowed_ips"}


def stored_field_value(model, field: str, value: str):
    """What the model's form field makes of ``value``, as its column holds it."""
    return stored(model._meta.get_field(field).formfield().clean(value))


OTHER_ADD_FIELDS = [
    (page, field)
    for page, data in other_add_forms(client_id=1, user_id=1).items()
    for field in data
]


@FUZZ
@given(page_and_field=st.sampled_from(OTHER_ADD_FIELDS), value=HOSTILE)
def test_other_add_forms(admin_client, admin_user, world, page_and_field, value):
    page, field = page_and_field
    valid = other_add_forms(client_id=world.client.pk, user_id=admin_user.pk)[page]
    data = {**valid, field: value}
    before = billing_rows()
    response = admin_client.post(reverse(f"admin:{page}_add"), data)

    def check_stored(written):
        app_label, model_name = page.split("_", 1)
        model = apps.get_model(app_label, model_name)
        row = only_row(written, model._meta.label)
        if field in {f.name for f in model._meta.concrete_fields} - NORMALISED_FIELDS:
            column = model._meta.get_field(field).attname
            # What was posted is what is stored, as the model's field reads it.
            assert row[column] == stored_field_value(model, field, value)

    assert_refused_cleanly_or_stored(response, before, check_stored)


# ---- lists: search boxes and filters -----------------------------------------------------------

CHANGELISTS = [
    "clients_client",
    "clients_clientevent",
    "clients_clientdeletion",
    "clients_contact",
    "clients_clientnote",
    "credits_creditentry",
    "transactions_transaction",
    "transactions_transactiondeletion",
    "invoices_invoice",
    "invoices_clientservice",
    "api_apicredential",
]
LIST_PARAMS = [
    "q",
    "p",
    "o",
    "status",
    "kind",
    "client",
    "gateway",
    "currency",
    "country",
    "overdue",
    "client_state",
    "date__gte",
    "created_at__gte",
    "group__id__exact",
    "client__id__exact",
    "revoked_at__isempty",
]


@FUZZ
@given(changelist=st.sampled_from(CHANGELISTS), param=st.sampled_from(LIST_PARAMS), value=HOSTILE)
def test_list_search_and_filters(admin_client, world, changelist, param, value):
    response = admin_client.get(reverse(f"admin:{changelist}_changelist"), {param: value})

    # 302: Django's "?e=1" for a filter it cannot apply; 400 for a NUL (see the middleware).
    assert response.status_code in (200, 302, 400)
    if response.status_code == 400:
        assert "\x00" in value


def test_a_nul_in_a_query_string_is_a_bad_request(admin_client):
    response = admin_client.get(reverse("admin:clients_client_changelist"), {"q": "a\x00b"})

    assert response.status_code == 400


# ---- the set_client_status command -------------------------------------------------------------

COMMAND_OPTIONS = [
    "status",
    "--ids",
    "--current-status",
    "--group",
    "--country",
    "--created-before",
    "--batch-size",
]


@FUZZ
@given(option=st.sampled_from(COMMAND_OPTIONS), value=HOSTILE)
@example(option="--group", value="\x00")  # found by hypothesis: a 500 from PostgreSQL
def test_set_client_status_command_arguments(world, option, value):
    args = {"status": "Inactive", "--ids": str(world.client.pk), option: value}
    argv = [args.pop("status")] + [part for pair in args.items() for part in pair]
    before = billing_rows()
    try:
        call_command("set_client_status", *argv, "--yes", stdout=StringIO(), stderr=StringIO())
    except CommandError as error:
        assert str(error)
        assert billing_rows() == before
        return
    # A run writes the client's new status and one history row, or (the selection left the
    # client out) nothing at all.
    written = rows_written(before, billing_rows())
    if written:
        assert only_row(written, "clients.Client")["status"] == "Inactive"
        event = only_row(written, "clients.ClientEvent")
        assert (event["field"], event["new_value"]) == ("status", "Inactive")
        assert set(written) == {"clients.Client", "clients.ClientEvent"}


# ---- the API -----------------------------------------------------------------------------------


@pytest.fixture
def api_call(client, django_user_model):
    # A credential never does more than its owner may do in the admin: the owner may do all.
    owner = django_user_model.objects.create_superuser("api-owner", password="pw")
    credential, secret = credential_create(
        name="Fuzz",
        user=owner,
        allowed_actions=ACTION_NAMES,
        allowed_ips=["127.0.0.1"],
        actor=None,
    )

    def post(action, **params) -> dict:
        data = {"identifier": credential.identifier, "secret": secret, "action": action, **params}
        response = client.post("/includes/api.php", data)
        assert response.status_code == 200, response.content
        return response.json()

    return post


def api_calls(*, client_id: int, invoice_id: int) -> dict:
    """Each writing action (and paging) with valid parameters, as a starting point to spoil."""
    profile = {
        "firstname": "Ada",
        "lastname": "Lovelace",
        "email": "ada@example.com",
        "address1": "1 Engine Row",
        "city": "London",
        "state": "Greater London",
        "postcode": "EC1A 1BB",
        "country": "GB",
        "phonenumber": "+44.2012345678",
        "currency": "1",
    }
    return {
        "AddClient": profile,
        "UpdateClient": {"clientid": client_id, **profile, "email": "ada2@example.com"},
        "AddCredit": {"clientid": client_id, "amount": "1.00", "description": "x", "type": "add"},
        "ApplyCredit": {"invoiceid": invoice_id, "amount": "1.00"},
        "AddInvoicePayment": {
            "invoiceid": invoice_id,
            "transid": "T-1",
            "gateway": "paypal",
            "amount": "1.00",
            "fees": "0",
            "date": "2026-11-24 10:00:00",
        },
        "AddTransaction": {
            "userid": client_id,
            "paymentmethod": "paypal",
            "transid": "T-2",
            "amountin": "1.00",
            "fees": "0",
            "amountout": "0",
            "description": "Wire",
            "date": "24/11/2026",
        },
        "CreateInvoice": {
            "userid": client_id,
            "itemdescription1": "Hosting",
            "itemamount1": "10.00",
            "itemtaxed1": "0",
            "date": "2026-11-24",
            "duedate": "2026-12-01",
        },
        "GetClients": {"limitstart": "0", "limitnum": "25", "search": ""},
    }


# What a successful call may write, and (for the actions that create a row) the row it creates
# with the answer key that names it.
API_WRITES = {
    "AddClient": {"clients.Client", "clients.ClientEvent", "clients.EmailLog"},
    "UpdateClient": {"clients.Client", "clients.ClientEvent"},
    "AddCredit": {"clients.Client", "credits.CreditEntry"},
    "ApplyCredit": {
        "clients.Client",
        "credits.CreditEntry",
        "invoices.Invoice",
        "invoices.InvoiceEvent",
    },
    "AddInvoicePayment": {
        "invoices.Invoice",
        "invoices.InvoiceEvent",
        "transactions.Transaction",
    },
    "AddTransaction": {"transactions.Transaction"},
    "CreateInvoice": {
        "clients.Client",
        "credits.CreditEntry",
        "invoices.Invoice",
        "invoices.InvoiceItem",
        "invoices.InvoiceEvent",
    },
    "GetClients": set(),
}
API_CREATES = {
    "AddClient": ("clients.Client", "clientid"),
    "AddTransaction": ("transactions.Transaction", None),  # WHMCS answers no id
    "CreateInvoice": ("invoices.Invoice", "invoiceid"),
}
API_PARAMETERS = [
    (action, parameter)
    for action, params in api_calls(client_id=1, invoice_id=1).items()
    for parameter in params
]


@FUZZ
@given(action_and_parameter=st.sampled_from(API_PARAMETERS), value=HOSTILE)
# Found by hypothesis: too many digits for Decimal.quantize() was a 500.
@example(action_and_parameter=("CreateInvoice", "itemamount1"), value="9" * 29)
@example(action_and_parameter=("AddCredit", "amount"), value="9" * 29)
def test_api_actions(api_call, world, action_and_parameter, value):
    action, parameter = action_and_parameter
    before = billing_rows()

    valid = api_calls(client_id=world.client.pk, invoice_id=world.invoice.pk)[action]
    answer = api_call(action, **{**valid, parameter: value})

    assert answer["result"] in ("success", "error")
    written = rows_written(before, billing_rows())
    if answer["result"] == "error":
        assert answer["message"]
        assert written == {}
        return
    # A success wrote the action's own rows and no other.
    assert set(written) <= API_WRITES[action], written
    if action in API_CREATES:
        label, answer_key = API_CREATES[action]
        row = only_row(written, label)
        if answer_key is not None:
            assert row["id"] == int(answer[answer_key])


# ---- ids in URLs -------------------------------------------------------------------------------

BAD_IDS = ["%00", "%C2%B2", "99999999999999999999999", "-1", "0", "1.5", "%3Cscript%3E", "%27"]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_hostile_ids_in_urls(admin_client, world, bad_id):
    routes = [route for route in all_routes() if "(?P<object_id>" in route]
    before = billing_rows()

    for route in routes:
        path = concrete_path(route, object_id=bad_id)
        for response in (admin_client.get(path), admin_client.post(path, {"post": "yes"})):
            # 404, 405, 403, or the admin's redirect for "no such object".
            assert response.status_code in (302, 403, 404, 405), (path, response.status_code)

    assert billing_rows() == before
