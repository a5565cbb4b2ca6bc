"""Who may do what, through the pages staff use: a superuser, the two staff groups made by the
clients data migration, and a staff user in no group.

Each action is done over HTTP as each role. Allowed: it succeeds and the data changes. Refused:
403 (or, for a Profile field the role may not edit, the field is read-only and ignored) and no
row of any billing table changes. Links to refused actions are not shown.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from api.models import ApiCredential
from billing_admin.tests.snapshots import billing_state
from clients.models import Client, ClientNote, Contact
from clients.tests.admin_forms import profile_post_data
from clients.tests.factories import client_profile_data
from transactions.models import Transaction

pytestmark = pytest.mark.django_db

OK, REFUSED, IGNORED = "ok", "403", "read-only"

# action: (superuser, Billing administrators, Support staff, no group)
MATRIX = {
    "view clients": (OK, OK, OK, REFUSED),
    "add client": (OK, OK, OK, REFUSED),
    "change contact details": (OK, OK, OK, REFUSED),
    "change status on the Profile": (OK, OK, IGNORED, REFUSED),
    "change status in bulk": (OK, OK, REFUSED, REFUSED),
    "add credit": (OK, OK, REFUSED, REFUSED),
    "remove credit": (OK, OK, REFUSED, REFUSED),
    "edit the credit balance": (OK, OK, IGNORED, REFUSED),
    "delete client": (OK, OK, REFUSED, REFUSED),
    "delete transaction": (OK, OK, REFUSED, REFUSED),
    # Credentials act for their owner over the API: superusers only.
    "create API credential": (OK, REFUSED, REFUSED, REFUSED),
    "apply credit to invoice": (OK, OK, REFUSED, REFUSED),
    "record invoice payment": (OK, OK, REFUSED, REFUSED),
    "add contact": (OK, OK, OK, REFUSED),
    "add note": (OK, OK, OK, REFUSED),
    # Staff change their own notes; someone else's only with change_others_clientnote.
    "edit someone else's note": (OK, OK, REFUSED, REFUSED),
    "delete someone else's note": (OK, OK, REFUSED, REFUSED),
}
ROLES = ("superuser", "billing", "support", "nogroup")


def _profile(admin_client, world, **changes) -> dict:
    # Built by a superuser: a refused role cannot even load the page.
    return profile_post_data(admin_client, world.client, **changes)


def _client_url(name, world) -> str:
    return reverse(f"admin:clients_client_{name}", args=[world.client.pk])


def _invoice_url(name, world) -> str:
    return reverse(f"admin:invoices_invoice_{name}", args=[world.invoice.pk])


def _client(world) -> Client:
    return Client.objects.get(pk=world.client.pk)


# action: (perform(http, admin_client, world) -> response, done(world) -> bool)
ACTIONS = {
    "view clients": (
        lambda http, admin, w: http.get(reverse("admin:clients_client_changelist")),
        None,
    ),
    "add client": (
        lambda http, admin, w: http.post(
            reverse("admin:clients_client_add"), client_profile_data(email="new@example.com")
        ),
        lambda w: Client.objects.filter(email="new@example.com").exists(),
    ),
    "change contact details": (
        lambda http, admin, w: http.post(
            _client_url("change", w), _profile(admin, w, city="Leeds")
        ),
        lambda w: _client(w).city == "Leeds",
    ),
    "change status on the Profile": (
        lambda http, admin, w: http.post(
            _client_url("change", w), _profile(admin, w, status="Closed")
        ),
        lambda w: _client(w).status == "Closed",
    ),
    "change status in bulk": (
        lambda http, admin, w: http.post(
            reverse("admin:clients_client_bulk_status", args=["inactive"]) + f"?ids={w.client.pk}"
        ),
        lambda w: _client(w).status == "Inactive",
    ),
    "add credit": (
        lambda http, admin, w: http.post(
            _client_url("add_credit", w), {"description": "Goodwill", "amount": "5.00"}
        ),
        lambda w: _client(w).credit_balance == Decimal("55.00"),
    ),
    "remove credit": (
        lambda http, admin, w: http.post(
            _client_url("remove_credit", w), {"description": "Correction", "amount": "5.00"}
        ),
        lambda w: _client(w).credit_balance == Decimal("45.00"),
    ),
    "edit the credit balance": (
        lambda http, admin, w: http.post(
            _client_url("change", w), _profile(admin, w, credit_balance="70.00")
        ),
        lambda w: _client(w).credit_balance == Decimal("70.00"),
    ),
    "delete client": (
        lambda http, admin, w: http.post(_client_url("delete_client", w)),
        lambda w: not Client.objects.filter(pk=w.client.pk).exists(),
    ),
    "delete transaction": (
        lambda http, admin, w: http.post(
            reverse("admin:transactions_transaction_changelist"),
            {
                "action": "delete_selected_transactions",
                "_selected_action": [w.txn.pk],
                "post": "yes",
            },
        ),
        lambda w: not Transaction.objects.filter(pk=w.txn.pk).exists(),
    ),
    "create API credential": (
        lambda http, admin, w: http.post(
            reverse("admin:api_apicredential_add"),
            {
                "name": "Sync",
                "user": http.user.pk,
                "allowed_actions": ["GetClients"],
                "allowed_ips": "127.0.0.1",
            },
        ),
        lambda w: ApiCredential.objects.filter(name="Sync").exists(),
    ),
    "apply credit to invoice": (
        lambda http, admin, w: http.post(_invoice_url("apply_credit", w), {"amount": "5.00"}),
        lambda w: _client(w).credit_balance == Decimal("45.00"),
    ),
    "record invoice payment": (
        lambda http, admin, w: http.post(
            _invoice_url("add_payment", w),
            {"date": "2026-11-24 10:00:00", "gateway": "paypal", "amount": "5.00", "fees": "0"},
        ),
        lambda w: Transaction.objects.filter(invoice=w.invoice, amount_in="5.00").exists(),
    ),
    "add contact": (
        lambda http, admin, w: http.post(
            reverse("admin:clients_contact_add"),
            {"client": w.client.pk, "first_name": "Bill", "email": "bill@example.com"},
        ),
        lambda w: Contact.objects.filter(client=w.client, email="bill@example.com").exists(),
    ),
    "add note": (
        lambda http, admin, w: http.post(
            reverse("admin:clients_clientnote_add"), {"client": w.client.pk, "text": "Called"}
        ),
        lambda w: ClientNote.objects.filter(client=w.client, text="Called").exists(),
    ),
    "edit someone else's note": (
        lambda http, admin, w: http.post(
            reverse("admin:clients_clientnote_change", args=[w.note.pk]), {"text": "Edited"}
        ),
        lambda w: ClientNote.objects.filter(pk=w.note.pk, text="Edited").exists(),
    ),
    "delete someone else's note": (
        lambda http, admin, w: http.post(
            reverse("admin:clients_clientnote_delete", args=[w.note.pk]), {"post": "yes"}
        ),
        lambda w: not ClientNote.objects.filter(pk=w.note.pk).exists(),
    ),
}
CASES = [
    pytest.param(action, role, expected, id=f"{action}-{role}")
    for action, outcomes in MATRIX.items()
    for role, expected in zip(ROLES, outcomes, strict=True)
]


def test_the_matrix_covers_every_action():
    assert MATRIX.keys() == ACTIONS.keys()


@pytest.mark.parametrize("action, role, expected", CASES)
def test_permission_matrix(login, admin_client, world, action, role, expected):
    http = login(role)
    perform, done = ACTIONS[action]
    before = billing_state()

    response = perform(http, admin_client, world)

    if expected == REFUSED:
        assert response.status_code == 403, response.status_code
        assert billing_state() == before
    elif done is None:  # a page to look at
        assert response.status_code == 200
    else:
        assert response.status_code == 302, getattr(response, "context_data", None)
        if expected == OK:
            assert done(world)
            assert billing_state() != before
        else:  # the field was not on the page for this role: the post is saved without it
            assert not done(world)


QUICK_LINKS = {"Edit Profile", "Manage Credits", "Delete Client", "Close Client"}
VISIBLE_LINKS = {
    "superuser": QUICK_LINKS,
    "billing": QUICK_LINKS,
    "support": {"Edit Profile"},
}


@pytest.mark.parametrize("role", VISIBLE_LINKS)
def test_summary_shows_only_the_quick_links_the_role_may_use(login, world, role):
    http = login(role)

    summary = http.get(_client_url("summary", world))

    labels = {link.label for link in summary.context["quick_links"]} & QUICK_LINKS
    assert labels == VISIBLE_LINKS[role]
    page = summary.content.decode()
    for hidden in QUICK_LINKS - VISIBLE_LINKS[role]:
        assert hidden not in page


@pytest.mark.parametrize("role", ["superuser", "billing", "support"])
def test_profile_shows_status_and_balance_fields_only_to_those_who_may_change_them(
    login, world, role
):
    page = login(role).get(_client_url("change", world)).content.decode()

    editable = role != "support"
    assert ('name="status"' in page) is editable
    assert ('name="credit_balance"' in page) is editable


@pytest.mark.parametrize("role", ["superuser", "billing", "support"])
def test_client_list_offers_only_the_actions_the_role_may_use(login, world, role):
    response = login(role).get(reverse("admin:clients_client_changelist"))

    action_form = response.context["action_form"]  # None: no actions, no action bar
    actions = {name for name, _ in action_form.fields["action"].choices} if action_form else set()
    status_and_delete = {
        "mark_active_selected",
        "mark_inactive_selected",
        "mark_closed_selected",
        "delete_selected_clients",
    }
    assert actions & status_and_delete == (set() if role == "support" else status_and_delete)
    assert "delete_selected" not in actions  # Django's own would bypass the deletion service


@pytest.mark.parametrize("role", ["superuser", "billing"])
def test_invoice_page_shows_the_money_forms_to_billing_roles(login, world, role):
    page = login(role).get(_invoice_url("change", world)).content.decode()

    for name in ("apply_credit", "add_payment"):
        assert f'action="{_invoice_url(name, world)}"' in page


def test_support_staff_cannot_open_invoices_transactions_or_the_credit_log(login, world):
    http = login("support")

    for url in (
        _invoice_url("change", world),
        reverse("admin:transactions_transaction_changelist"),
        reverse("admin:credits_creditentry_changelist"),
        reverse("admin:clients_clientevent_changelist"),
        reverse("admin:api_apicredential_changelist"),
        _client_url("credits", world),
    ):
        assert http.get(url).status_code == 403, url


def test_billing_administrators_can_read_every_audit_list(login, world):
    http = login("billing")

    for name in (
        "credits_creditentry",
        "clients_clientevent",
        "clients_clientdeletion",
        "transactions_transactiondeletion",
        "transactions_transactionchange",
        "invoices_invoiceevent",
    ):
        assert http.get(reverse(f"admin:{name}_changelist")).status_code == 200, name
    assert http.get(reverse("admin:api_apicredential_changelist")).status_code == 403
