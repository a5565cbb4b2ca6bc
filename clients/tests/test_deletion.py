"""Deleting clients through the admin: everything goes except transactions, in one transaction."""

import threading
import time
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.urls import reverse

from billing_admin.tests.threads import run_at_once
from clients.models import Client, ClientDeletion, ClientEvent, ClientNote, Contact, EmailLog
from clients.services import (
    client_note_add,
    client_set_status,
    contact_create,
    deletion,
)
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from customfields.models import CustomFieldValue
from customfields.services import client_set_custom_field_values
from customfields.tests.factories import CustomFieldFactory
from emails.models import EmailAttachment
from emails.services import email_queue
from invoices.models import ClientService, Invoice, InvoiceEvent, InvoiceItem
from invoices.services import invoice_apply_credit, invoice_create, payment_record
from invoices.tests.factories import ClientServiceFactory
from merges.models import ClientMerge
from merges.services import client_merge
from transactions.models import Transaction
from transactions.tests.factories import make_transaction

pytestmark = pytest.mark.django_db

CLIENTS = reverse("admin:clients_client_changelist")
TRANSACTIONS = reverse("admin:transactions_transaction_changelist")

# Every model that goes with a client, and how its rows reach the client.
RELATED_ROWS = {
    ClientEvent: "client",
    EmailLog: "client",
    Contact: "client",
    ClientNote: "client",
    CreditEntry: "client",
    ClientService: "client",
    Invoice: "client",
    InvoiceItem: "invoice__client",
    InvoiceEvent: "invoice__client",
    CustomFieldValue: "client",
    ClientMerge: "target",
    EmailAttachment: "email__client",
}


def delete_url(client: Client) -> str:
    return reverse("admin:clients_client_delete_client", args=[client.pk])


def make_rich_client(**fields) -> Client:
    """A client with a row in every related table, built through the real services:
    history, a contact, a note, an email with an attachment, credit (added, then applied to an
    invoice), a service, an invoice with an item, a payment on it, and a transaction without
    invoice. USD 20.00 + 99.99 of income."""
    client = ClientFactory(currency="USD", **fields)
    client_set_status(client_id=client.pk, status=Client.Status.INACTIVE, actor=None)
    contact_create(
        client_id=client.pk, actor=None, first_name="Bill", email=f"bill.{client.pk}@example.com"
    )
    client_note_add(client_id=client.pk, actor=None, text="Pays late", sticky=True)
    email_queue(
        client_id=client.pk,
        kind="welcome",
        template="welcome",
        subject="Welcome",
        actor=None,
        attachments=[("terms.txt", b"Terms", "text/plain")],
    )
    add_credit(client_id=client.pk, amount="50.00", description="Goodwill", actor=None)
    ClientServiceFactory(client=client)
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "30.00"}], actor=None
    )
    invoice_apply_credit(invoice_id=invoice.pk, amount="10.00", actor=None)
    payment_record(
        invoice_id=invoice.pk, gateway="paypal", amount="20.00", transaction_id="P-1", actor=None
    )
    make_transaction(client=client, amount_in="99.99", fees="2.50", gateway="stripe")
    colour = CustomFieldFactory(name=f"Colour {client.pk}")
    client_set_custom_field_values(client_id=client.pk, values={colour.pk: "Blue"}, actor=None)
    duplicate = ClientFactory(currency="USD")
    client_merge(source_id=duplicate.pk, target_id=client.pk, actor=None, source_as_contact=False)
    return client


def related_counts(client_pk: int) -> dict[str, int]:
    return {
        model._meta.label: model.objects.filter(**{lookup: client_pk}).count()
        for model, lookup in RELATED_ROWS.items()
    }


EXPECTED_ROWS = {
    "clients.ClientEvent": 4,
    "clients.EmailLog": 1,
    "clients.Contact": 1,
    "clients.ClientNote": 1,
    "credits.CreditEntry": 2,
    "invoices.ClientService": 1,
    "invoices.Invoice": 1,
    "invoices.InvoiceItem": 1,
    # created, credit applied, payment, Unpaid -> Paid
    "invoices.InvoiceEvent": 4,
    "customfields.CustomFieldValue": 1,
    "merges.ClientMerge": 1,
    "emails.EmailAttachment": 1,
}
NOTHING = dict.fromkeys(EXPECTED_ROWS, 0)


def tab_totals(http_client) -> list[dict]:
    return http_client.get(TRANSACTIONS).context["totals"]


@pytest.fixture
def rich_client() -> Client:
    return make_rich_client(first_name="Rita", last_name="Rich", email="rita@example.com")


@pytest.fixture
def bystander() -> Client:
    """Another client whose rows must all survive."""
    return make_rich_client()


def test_confirmation_page_lists_what_goes_and_the_income_kept(admin_client, rich_client):
    response = admin_client.get(delete_url(rich_client))

    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary.removed_counts == {
        "client events": 4,
        "email logs": 1,
        "client data exports": 0,
        "contacts": 1,
        "client notes": 1,
        "credit entries": 2,
        "client services": 1,
        "invoices": 1,
        "invoice items": 1,
        "invoice events": 4,
        "custom field values": 1,
        "client merges": 1,
        "email attachments": 1,
        "sent statements": 0,
    }
    assert summary.kept_transactions == 2
    assert summary.kept_totals == [("USD", Decimal("119.99"), Decimal("2.50"), Decimal("0.00"))]
    page = response.content.decode()
    assert "2 transactions totalling" in page
    assert "USD 119.99 in" in page
    assert "Inactive" in page
    assert reverse("admin:clients_client_change", args=[rich_client.pk]) in page  # the Profile
    assert reverse("admin:clients_client_summary", args=[rich_client.pk]) in page  # Cancel
    assert related_counts(rich_client.pk) == EXPECTED_ROWS  # looking deletes nothing


def test_cancel_leaves_everything(admin_client, rich_client):
    page = admin_client.get(delete_url(rich_client)).content.decode()
    summary_url = reverse("admin:clients_client_summary", args=[rich_client.pk])
    assert f'href="{summary_url}" class="button cancel-link"' in page

    assert admin_client.get(summary_url).status_code == 200

    assert Client.objects.filter(pk=rich_client.pk).exists()
    assert related_counts(rich_client.pk) == EXPECTED_ROWS
    assert not ClientDeletion.objects.exists()


def test_confirm_removes_every_related_row_and_keeps_transactions(
    admin_client, admin_user, rich_client, bystander
):
    totals_before = tab_totals(admin_client)
    income = {
        txn.pk: (txn.amount_in, txn.transaction_id)
        for txn in Transaction.objects.filter(client=rich_client)
    }

    response = admin_client.post(delete_url(rich_client), follow=True)

    assert response.redirect_chain == [(CLIENTS, 302)]
    assert "Deleted 1 client(s)" in response.content.decode()
    assert "2 transaction(s) were kept" in response.content.decode()
    assert not Client.objects.filter(pk=rich_client.pk).exists()
    assert related_counts(rich_client.pk) == NOTHING
    assert related_counts(bystander.pk) == EXPECTED_ROWS
    kept = Transaction.objects.filter(pk__in=income)
    assert {txn.pk: (txn.amount_in, txn.transaction_id) for txn in kept} == income
    for txn in kept:
        assert (txn.client_id, txn.invoice_id) == (None, None)
        assert (txn.client_snapshot_id, txn.client_name) == (rich_client.pk, "Rita Rich")
        assert txn.client_email == "rita@example.com"
    assert Transaction.objects.get(pk__in=income, transaction_id="P-1").invoice_number
    record = ClientDeletion.objects.get()
    assert (record.client_id, record.client_name, record.client_email) == (
        rich_client.pk,
        "Rita Rich",
        "rita@example.com",
    )
    assert record.removed_counts == {
        "client events": 4,
        "email logs": 1,
        "contacts": 1,
        "client notes": 1,
        "credit entries": 2,
        "client services": 1,
        "invoices": 1,
        "invoice items": 1,
        "invoice events": 4,
        "custom field values": 1,
        "client merges": 1,
        "email attachments": 1,
    }
    assert (record.kept_transactions, record.actor_user) == (2, admin_user)
    # Income is untouched: the Transactions tab adds up to the same, showing who it was.
    assert tab_totals(admin_client) == totals_before
    tab = admin_client.get(TRANSACTIONS).content.decode()
    assert f"Deleted client #{rich_client.pk} — Rita Rich" in tab


def test_bulk_delete_confirms_then_follows_the_same_rules(admin_client, bystander):
    first, second = make_rich_client(), make_rich_client()
    totals_before = tab_totals(admin_client)
    data = {"action": "delete_selected_clients", ACTION_CHECKBOX_NAME: [first.pk, second.pk]}

    confirmation = admin_client.post(CLIENTS, data)

    assert confirmation.status_code == 200
    assert confirmation.context["summary"].removed_counts["invoice items"] == 2
    assert confirmation.context["summary"].kept_transactions == 4
    assert "USD 239.98 in" in confirmation.content.decode()
    assert Client.objects.filter(pk__in=[first.pk, second.pk]).count() == 2

    response = admin_client.post(CLIENTS, {**data, "post": "yes"})

    assert response.status_code == 302
    assert not Client.objects.filter(pk__in=[first.pk, second.pk]).exists()
    for gone in (first, second):
        assert related_counts(gone.pk) == NOTHING
        assert Transaction.objects.filter(client_snapshot_id=gone.pk, client=None).count() == 2
    assert related_counts(bystander.pk) == EXPECTED_ROWS
    assert sorted(ClientDeletion.objects.values_list("client_id", "kept_transactions")) == [
        (first.pk, 2),
        (second.pk, 2),
    ]
    assert tab_totals(admin_client) == totals_before


def test_stock_delete_page_and_action_are_replaced(admin_client, rich_client):
    stock = reverse("admin:clients_client_delete", args=[rich_client.pk])

    assert admin_client.get(stock).url == delete_url(rich_client)
    actions = admin_client.get(CLIENTS).context["action_form"].fields["action"].choices
    assert "delete_selected" not in dict(actions)
    assert "delete_selected_clients" in dict(actions)
    summary = admin_client.get(reverse("admin:clients_client_summary", args=[rich_client.pk]))
    assert delete_url(rich_client) in summary.content.decode()  # the red quick link


def test_support_staff_may_not_delete(support_client, rich_client):
    client = support_client

    assert client.get(delete_url(rich_client)).status_code == 403
    assert client.post(delete_url(rich_client)).status_code == 403
    client.post(
        CLIENTS,
        {
            "action": "delete_selected_clients",
            ACTION_CHECKBOX_NAME: [rich_client.pk],
            "post": "yes",
        },
    )
    summary = client.get(reverse("admin:clients_client_summary", args=[rich_client.pk]))

    assert delete_url(rich_client) not in summary.content.decode()
    assert Client.objects.filter(pk=rich_client.pk).exists()
    assert related_counts(rich_client.pk) == EXPECTED_ROWS
    assert not ClientDeletion.objects.exists()


def test_failure_half_way_removes_nothing(admin_client, monkeypatch, rich_client):
    real_delete_rows = deletion._delete_rows
    calls = []

    def delete_then_fail(queryset):
        calls.append(queryset.model)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        return real_delete_rows(queryset)

    monkeypatch.setattr(deletion, "_delete_rows", delete_then_fail)

    with pytest.raises(RuntimeError, match="disk full"):
        admin_client.post(delete_url(rich_client))

    assert len(calls) == 4  # three relations were already deleted when it failed
    assert Client.objects.filter(pk=rich_client.pk).exists()
    assert related_counts(rich_client.pk) == EXPECTED_ROWS
    assert Transaction.objects.filter(client=rich_client).count() == 2
    assert not ClientDeletion.objects.exists()


def add_bulk_rows(client: Client, count: int) -> None:
    """``count`` rows spread over history, emails, services and invoice items, inserted in bulk
    (none of them moves money: the credit ledger is left to the services)."""
    quarter = count // 4
    ClientEvent.objects.bulk_create(
        ClientEvent(client=client, kind=ClientEvent.Kind.PROFILE_CHANGED, actor_label="test")
        for _ in range(quarter)
    )
    EmailLog.objects.bulk_create(
        EmailLog(client=client, template="t", to_address=client.email, subject="s", status="sent")
        for _ in range(quarter)
    )
    ClientService.objects.bulk_create(
        ClientService(client=client, product_name=f"VPS {n}") for n in range(quarter)
    )
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Setup", "amount": "0.00"}], actor=None
    )
    InvoiceItem.objects.bulk_create(
        InvoiceItem(invoice=invoice, description=f"Line {n}") for n in range(count - 3 * quarter)
    )


def test_deleting_ten_thousand_related_rows_takes_a_bounded_number_of_queries(
    admin_client, django_assert_max_num_queries
):
    small, big = make_rich_client(), make_rich_client()
    add_bulk_rows(big, 10_000)
    assert sum(related_counts(big.pk).values()) > 10_000

    with django_assert_max_num_queries(40) as small_run:
        assert admin_client.post(delete_url(small)).status_code == 302
    with django_assert_max_num_queries(len(small_run.captured_queries)):
        assert admin_client.post(delete_url(big)).status_code == 302

    assert related_counts(big.pk) == NOTHING
    assert ClientDeletion.objects.get(client_id=big.pk).removed_counts["invoice items"] == 2502


def test_deletion_records_are_read_only(admin_client, rich_client):
    admin_client.post(delete_url(rich_client))
    record = ClientDeletion.objects.get()

    listing = admin_client.get(reverse("admin:clients_clientdeletion_changelist"))
    add = admin_client.get(reverse("admin:clients_clientdeletion_add"))
    change = admin_client.post(
        reverse("admin:clients_clientdeletion_change", args=[record.pk]), {"client_name": "X"}
    )
    delete = admin_client.post(
        reverse("admin:clients_clientdeletion_delete", args=[record.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200
    assert "Rita Rich" in listing.content.decode()
    kept_url = f"{TRANSACTIONS}?client_snapshot_id={rich_client.pk}"
    assert kept_url in listing.content.decode()
    assert len(admin_client.get(kept_url).context["cl"].result_list) == 2
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert ClientDeletion.objects.get().client_name == "Rita Rich"


@pytest.mark.django_db(transaction=True)
def test_credit_added_while_the_client_is_being_deleted_is_refused(monkeypatch):
    client = make_rich_client()
    locked = threading.Event()
    real_check = deletion._check_protected

    def check_then_pause(*args):
        locked.set()  # the client row is locked now
        time.sleep(0.3)  # let the other thread reach the lock and wait on it
        return real_check(*args)

    monkeypatch.setattr(deletion, "_check_protected", check_then_pause)

    def add():
        locked.wait(5)
        add_credit(client_id=client.pk, amount="5.00", description="Late", actor=None)

    deleted, added = run_at_once(
        lambda: deletion.client_delete(client_id=client.pk, actor=None), add, timeout=10
    )

    assert isinstance(deleted, ClientDeletion)
    assert isinstance(added, Client.DoesNotExist)  # waited, then found it gone
    assert not Client.objects.filter(pk=client.pk).exists()
    assert not CreditEntry.objects.filter(client_id=client.pk).exists()
    assert ClientDeletion.objects.get().client_id == client.pk


def test_client_with_no_related_rows_deletes_with_an_empty_record():
    client = ClientFactory()

    record = deletion.client_delete(client_id=client.pk, actor=None)

    assert not Client.objects.filter(pk=client.pk).exists()
    assert record.client_id == client.pk
    assert record.kept_transactions == 0
    assert set(record.removed_counts.values()) <= {0}


def test_other_clients_items_lose_the_deleted_service_and_the_clients_own_items_go():
    owner, previous_owner = make_rich_client(), make_rich_client()
    service = ClientService.objects.get(client=owner)
    own_item = InvoiceItem.objects.get(invoice__client=owner)
    # The service was billed to its previous owner before it moved to this client.
    billed_before = InvoiceItem.objects.get(invoice__client=previous_owner)
    InvoiceItem.objects.filter(pk__in=[own_item.pk, billed_before.pk]).update(service=service)

    deletion.client_delete(client_id=owner.pk, actor=None)

    assert not InvoiceItem.objects.filter(pk=own_item.pk).exists()
    billed_before.refresh_from_db()
    assert (billed_before.service_id, billed_before.description) == (None, "Hosting")
    assert related_counts(previous_owner.pk) == EXPECTED_ROWS


def test_credit_of_another_client_applied_to_an_invoice_protects_it():
    debtor, payer = make_rich_client(), make_rich_client()
    # The payer's applied credit, pointed at the debtor's invoice.
    applied = CreditEntry.objects.get(client=payer, invoice__isnull=False)
    CreditEntry.objects.filter(pk=applied.pk).update(invoice=Invoice.objects.get(client=debtor))

    with pytest.raises(ValidationError) as refused:
        deletion.client_delete(client_id=debtor.pk, actor=None)

    assert refused.value.messages == [
        "The selected clients cannot be deleted: 1 credit entries of other clients still refer "
        "to their invoices."
    ]
    assert related_counts(debtor.pk) == EXPECTED_ROWS
    assert not ClientDeletion.objects.exists()
    # Deleted together, the protecting entry goes with its own client.
    deletion.clients_delete(client_ids=[debtor.pk, payer.pk], actor=None)
    assert related_counts(debtor.pk) == related_counts(payer.pk) == NOTHING
