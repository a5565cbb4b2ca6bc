"""The audit trail: every money or status change names who made it (a staff user or an API
credential), when, and the values before and after; staff can browse it in the admin and nobody,
a superuser included, can add, edit or delete it. Secrets stay out of the database and the logs.
"""

import logging
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.models import ApiCredential
from api.services import credential_create
from billing_admin.tests.snapshots import billing_state
from clients.models import ClientDeletion, ClientEvent
from clients.services import client_delete, client_set_status
from clients.tests.admin_forms import profile_post_data
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import adjust_balance, remove_credit
from invoices.services import transactions_delete
from transactions.models import Transaction, TransactionChange, TransactionDeletion
from transactions.services import transaction_update

pytestmark = pytest.mark.django_db

AUDIT_MODELS = [ClientEvent, CreditEntry, ClientDeletion, TransactionDeletion, TransactionChange]


def _admin_url(model, view, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def assert_by(row, user) -> None:
    assert row.actor_user == user
    assert row.actor_label == user.username
    assert row.created_at is not None


# ---- attribution of admin changes ----------------------------------------------------------------


def test_status_and_balance_edits_on_the_profile_record_who_and_old_new_values(
    admin_client, admin_user, world
):
    url = reverse("admin:clients_client_change", args=[world.client.pk])
    data = profile_post_data(admin_client, world.client, status="Inactive", credit_balance="42.50")

    assert admin_client.post(url, data).status_code == 302

    status = ClientEvent.objects.get(client=world.client, kind=ClientEvent.Kind.STATUS_CHANGED)
    assert (status.old_value, status.new_value) == ("Active", "Inactive")
    assert_by(status, admin_user)
    balance = ClientEvent.objects.get(client=world.client, kind=ClientEvent.Kind.BALANCE_ADJUSTED)
    assert (balance.old_value, balance.new_value) == ("50.00", "42.50")
    assert balance.balance_delta == Decimal("-7.50")
    assert_by(balance, admin_user)


def test_manage_credits_entries_record_who(admin_client, admin_user, world):
    url = reverse("admin:clients_client_add_credit", args=[world.client.pk])

    admin_client.post(url, {"description": "Goodwill", "amount": "5.00"})

    entry = CreditEntry.objects.get(description="Goodwill")
    assert entry.amount == Decimal("5.00")
    assert_by(entry, admin_user)


def test_invoice_payment_and_applied_credit_record_who(admin_client, admin_user, world):
    invoice_url = reverse("admin:invoices_invoice_apply_credit", args=[world.invoice.pk])
    admin_client.post(invoice_url, {"amount": "5.00"})
    payment_url = reverse("admin:invoices_invoice_add_payment", args=[world.invoice.pk])
    admin_client.post(
        payment_url,
        {"date": "2026-11-24 10:00:00", "gateway": "paypal", "amount": "15.00", "fees": "0"},
    )

    applied = CreditEntry.objects.get(kind=CreditEntry.Kind.APPLIED)
    assert applied.amount == Decimal("-5.00")
    assert applied.invoice == world.invoice
    assert_by(applied, admin_user)
    payment = Transaction.objects.get(invoice=world.invoice)
    assert payment.amount_in == Decimal("15.00")
    assert_by(payment, admin_user)
    listed = admin_client.get(reverse("admin:transactions_transaction_changelist"))
    # The list's date column says who recorded each transaction.
    assert f'<span class="quiet">by {admin_user.username}</span>' in listed.content.decode()


def test_deleting_a_client_and_a_transaction_leaves_a_record_of_who(
    admin_client, admin_user, world
):
    bare = ClientFactory(first_name="Bare", last_name="Client")  # nothing attached
    admin_client.post(reverse("admin:clients_client_delete_client", args=[bare.pk]))
    admin_client.post(
        reverse("admin:transactions_transaction_changelist"),
        {
            "action": "delete_selected_transactions",
            "_selected_action": [world.txn.pk],
            "post": "yes",
        },
    )

    deletion = ClientDeletion.objects.get(client_id=bare.pk)
    assert (deletion.client_name, deletion.removed_counts) == ("Bare Client", {})
    assert_by(deletion, admin_user)
    txn_deletion = TransactionDeletion.objects.get(transaction_pk=world.txn.pk)
    assert txn_deletion.amount_in == Decimal("10.00")
    assert_by(txn_deletion, admin_user)


def test_the_balance_history_is_recoverable_from_the_entries_and_adjustments(admin_user, world):
    """No balance_after column: the balance before and after any change is the running sum of
    credit entries and manual adjustment deltas, which together equal the cached balance."""
    remove_credit(client_id=world.client.pk, amount="8.00", description="Fix", actor=admin_user)
    adjust_balance(client_id=world.client.pk, new_balance="100.00", actor=admin_user)
    world.client.refresh_from_db()

    entries = world.client.credit_entries.aggregate(total=Sum("amount"))["total"]
    deltas = world.client.events.aggregate(total=Sum("balance_delta"))["total"]
    assert entries + deltas == world.client.credit_balance == Decimal("100.00")


# ---- attribution of API writes ---------------------------------------------------------------


def test_an_api_write_is_attributed_to_the_credential_and_its_owner(client, admin_user, world):
    credential, secret = credential_create(
        name="Billing sync",
        user=admin_user,
        allowed_actions=["AddCredit"],
        allowed_ips=["127.0.0.1"],
        actor=admin_user,
    )

    answer = client.post(
        "/includes/api.php",
        {
            "identifier": credential.identifier,
            "secret": secret,
            "action": "AddCredit",
            "clientid": world.client.pk,
            "amount": "12.00",
            "description": "Top-up over the API",
        },
    ).json()

    assert answer["result"] == "success"
    entry = CreditEntry.objects.get(description="Top-up over the API")
    assert entry.actor_label == f"API: {credential.identifier}"
    assert entry.actor_user == admin_user


def test_bulk_status_changes_record_who_per_client(admin_client, admin_user, world):
    url = reverse("admin:clients_client_bulk_status", args=["inactive"])

    admin_client.post(f"{url}?ids={world.client.pk}")

    event = ClientEvent.objects.get(client=world.client, kind=ClientEvent.Kind.STATUS_CHANGED)
    assert (event.old_value, event.new_value) == ("Active", "Inactive")
    assert_by(event, admin_user)


def test_api_status_changes_and_deletions_are_attributed_to_the_credential(
    client, admin_user, world
):
    credential, secret = credential_create(
        name="CRM",
        user=admin_user,
        allowed_actions=["UpdateClient", "DeleteClient"],
        allowed_ips=["127.0.0.1"],
        actor=admin_user,
    )
    auth = {"identifier": credential.identifier, "secret": secret}
    doomed = ClientFactory()

    updated = client.post(
        "/includes/api.php",
        {**auth, "action": "UpdateClient", "clientid": world.client.pk, "status": "Closed"},
    ).json()
    deleted = client.post(
        "/includes/api.php", {**auth, "action": "DeleteClient", "clientid": doomed.pk}
    ).json()

    assert updated["result"] == deleted["result"] == "success"
    event = ClientEvent.objects.get(client=world.client, kind=ClientEvent.Kind.STATUS_CHANGED)
    assert (event.old_value, event.new_value) == ("Active", "Closed")
    deletion = ClientDeletion.objects.get(client_id=doomed.pk)
    for row in (event, deletion):
        assert row.actor_label == credential.audit_label
        assert row.actor_user == admin_user


# ---- visible in the admin, never editable --------------------------------------------------------


def test_the_client_history_list_shows_who_and_the_old_and_new_values(
    admin_client, admin_user, world
):
    url = reverse("admin:clients_clientevent_changelist")
    query = {"kind__exact": "status_changed", "q": world.client.email}
    client_set_status(client_id=world.client.pk, status="Inactive", actor=admin_user)
    with CaptureQueriesContext(connection) as one_row:
        admin_client.get(url, query)
    for status in ("Closed", "Active", "Inactive", "Closed"):
        client_set_status(client_id=world.client.pk, status=status, actor=admin_user)

    with CaptureQueriesContext(connection) as five_rows:
        response = admin_client.get(url, query)

    assert len(five_rows) == len(one_row)  # no query per row
    page = response.content.decode()
    assert len(response.context["cl"].result_list) == 5
    assert admin_user.username in page and "Inactive" in page and "Closed" in page
    by_id = admin_client.get(url, {"q": str(world.client.pk)})
    assert len(by_id.context["cl"].result_list) == 5


@pytest.mark.parametrize("model", AUDIT_MODELS, ids=lambda model: model.__name__)
def test_audit_rows_are_read_only_even_for_a_superuser(admin_client, admin_user, world, model):
    client_set_status(client_id=world.client.pk, status="Inactive", actor=admin_user)
    client_delete(client_id=ClientFactory().pk, actor=admin_user)
    transaction_update(transaction_pk=world.txn.pk, description="Corrected", actor=admin_user)
    transactions_delete(ids=[world.txn.pk], actor=admin_user)
    row = model.objects.order_by("pk").first()
    before = billing_state()

    changelist = admin_client.get(_admin_url(model, "changelist"))
    detail = admin_client.get(_admin_url(model, "change", row.pk))

    assert changelist.status_code == detail.status_code == 200
    action_form = changelist.context["action_form"]
    assert action_form is None  # no bulk delete, no other action
    assert not changelist.context["has_add_permission"]
    assert 'name="_save"' not in detail.content.decode()  # shown read-only
    assert admin_client.get(_admin_url(model, "add")).status_code == 403
    assert admin_client.post(_admin_url(model, "add"), {}).status_code == 403
    assert admin_client.post(_admin_url(model, "change", row.pk), {}).status_code == 403
    delete_url = _admin_url(model, "delete", row.pk)
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert billing_state() == before


# ---- secrets ---------------------------------------------------------------------------------


def test_api_secrets_are_stored_hashed_and_never_logged(client, admin_user, caplog):
    caplog.set_level(logging.DEBUG)
    credential, secret = credential_create(
        name="Sync",
        user=admin_user,
        allowed_actions=["GetClients"],
        allowed_ips=["127.0.0.1"],
        actor=admin_user,
    )
    for sent in (secret, "wrong-" + secret):
        client.post(
            "/includes/api.php",
            {"identifier": credential.identifier, "secret": sent, "action": "GetClients"},
        )

    stored = ApiCredential.objects.filter(pk=credential.pk).values().get()
    assert not any(secret in str(value) for value in stored.values())
    assert secret not in caplog.text


def test_env_files_and_secret_keys_are_not_committed():
    root = Path(settings.BASE_DIR)
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()

    assert ".env" not in tracked
    assert subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=root).returncode == 0
    # A real-looking quoted key (settings.py style) or an env-file value (.env.example style).
    assigned_key = re.compile(
        r"""^[ \t]*SECRET_KEY(?:[ \t]*=[ \t]*["'][^"'\n]{20,}["']|=[^\s"'$])""", re.M
    )
    for name in tracked:
        path = root / name
        if path.suffix in (".py", ".example", ".md", ".toml", ".ini", ".txt"):
            assert not assigned_key.search(path.read_text(errors="replace")), name
