"""The Transactions tab, through the admin as staff use it."""

import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from invoices.models import BALANCE_DUE, Invoice, InvoiceEvent
from invoices.selectors import OPEN_INVOICES
from invoices.services import MONEY_ON_DRAFT, invoice_apply_credit, invoice_create
from statements.selectors import EVERYTHING_START, client_statement
from transactions.models import Transaction, TransactionDeletion
from transactions.selectors import transactions_search
from transactions.services import DESCRIPTION_REQUIRED
from transactions.tests.factories import make_transaction

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:transactions_transaction_changelist")
ADD = reverse("admin:transactions_transaction_add")


def on(day: int) -> datetime:
    return timezone.make_aware(datetime(2026, 11, day, 12, 0))


def listed_pks(response) -> set[int]:
    return {txn.pk for txn in response.context["cl"].result_list}


def totals(response) -> dict[str, tuple]:
    return {
        row["currency"]: (row["count"], row["amount_in"], row["fees"], row["amount_out"])
        for row in response.context["totals"]
    }


def test_changelist_shows_rows_and_deleted_client_snapshot(admin_client):
    alice = ClientFactory(first_name="Alice", last_name="Archer")
    kept = make_transaction(client=alice, transaction_id="TX-ALICE")
    gone = ClientFactory(first_name="Bob", last_name="Gone")
    orphan = make_transaction(client=gone, transaction_id="TX-BOB")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM clients_client WHERE id = %s", [gone.pk])

    response = admin_client.get(CHANGELIST)

    assert response.status_code == 200
    assert listed_pks(response) == {kept.pk, orphan.pk}
    assert f"Deleted client #{gone.pk} — Bob Gone" in response.content.decode()
    assert "Alice Archer" in response.content.decode()


def queries_for(admin_client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert admin_client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_changelist_query_count_does_not_grow_with_rows(admin_client):
    make_transaction(client=ClientFactory())
    with_one_row = queries_for(admin_client, CHANGELIST)
    for _ in range(15):
        make_transaction(client=ClientFactory())

    assert queries_for(admin_client, CHANGELIST) == with_one_row


def test_search_by_transaction_id_client_snapshot_and_description(admin_client):
    acme = ClientFactory(
        first_name="Carol", last_name="Smith", company_name="Acme Ltd", email="carol@acme.test"
    )
    by_id = make_transaction(transaction_id="ch_3NxYZ", description="Card payment")
    for_acme = make_transaction(client=acme, transaction_id="pp-1", description="PayPal")
    described = make_transaction(transaction_id="bank-9", description="Wire for domain renewal")

    def search(term: str) -> set[int]:
        return listed_pks(admin_client.get(CHANGELIST, {"q": term}))

    assert search("CH_3NXYZ") == {by_id.pk}  # transaction ID, exact, any case
    assert search("ch_3N") == set()  # ... not a prefix of it
    assert search("carol@acme") == {for_acme.pk}  # client email prefix
    assert search("acme") == {for_acme.pk}  # company prefix
    assert search("carol smith") == {for_acme.pk}  # name
    assert search("Carol Smi") == {for_acme.pk}  # ... words by prefix
    assert search("renewal") == {described.pk}  # description substring


def test_filters_gateway_currency_date_range_and_deleted_client(admin_client):
    live, gone = ClientFactory(currency="USD"), ClientFactory(currency="EUR")
    paypal = make_transaction(client=live, gateway="paypal", date=on(2))
    stripe = make_transaction(client=gone, gateway="stripe", date=on(10))
    walk_in = make_transaction(gateway="cash", currency="GBP", date=on(20))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM clients_client WHERE id = %s", [gone.pk])

    def filtered(**params) -> set[int]:
        response = admin_client.get(CHANGELIST, params)
        assert response.status_code == 200
        return listed_pks(response)

    assert filtered(gateway="stripe") == {stripe.pk}
    assert filtered(currency="GBP") == {walk_in.pk}
    assert filtered(date__gte="2026-11-05", date__lt="2026-11-15") == {stripe.pk}
    assert filtered(date__gte="2026-11-05") == {stripe.pk, walk_in.pk}
    assert filtered(client_state="deleted") == {stripe.pk}
    assert filtered(client_state="existing") == {paypal.pk}
    assert filtered(client_state="none") == {walk_in.pk}
    # A malformed date is the admin's "invalid filter" redirect, not a 500.
    assert admin_client.get(CHANGELIST, {"date__gte": "not-a-date"}).status_code == 302


def test_a_clients_transactions_tab_names_each_filter_once(admin_client):
    client = ClientFactory()
    make_transaction(client=client)

    response = admin_client.get(CHANGELIST, {"client": client.pk})

    titles = [spec.title for spec in response.context["cl"].filter_specs]
    assert "client" in titles and len(titles) == len(set(titles))


def test_totals_are_per_currency_over_the_filtered_rows(admin_client):
    usd = ClientFactory(currency="USD")
    make_transaction(client=usd, amount_in="100.00", fees="3.20", gateway="paypal")
    make_transaction(client=usd, amount_in="0", amount_out="25.50", gateway="paypal")
    make_transaction(client=usd, amount_in="40.00", fees="1.00", gateway="stripe")
    make_transaction(amount_in="7.00", currency="EUR", gateway="paypal")

    everything = admin_client.get(CHANGELIST)
    paypal_only = admin_client.get(CHANGELIST, {"gateway": "paypal"})

    assert totals(everything) == {
        "EUR": (1, Decimal("7.00"), Decimal("0.00"), Decimal("0.00")),
        "USD": (3, Decimal("140.00"), Decimal("4.20"), Decimal("25.50")),
    }
    assert totals(paypal_only) == {
        "EUR": (1, Decimal("7.00"), Decimal("0.00"), Decimal("0.00")),
        "USD": (2, Decimal("100.00"), Decimal("3.20"), Decimal("25.50")),
    }
    assert "140.00" in everything.content.decode()


def add_form(**overrides) -> dict:
    data = {
        "date_0": "2026-11-24",
        "date_1": "10:30:00",
        "client": "",
        "invoice": "",
        "gateway": "banktransfer",
        "transaction_id": "WIRE-77",
        "description": "Wire received",
        "amount_in": "120.50",
        "fees": "-0.50",
        "amount_out": "0",
        "currency": "",
    }
    return {**data, **overrides}


def test_add_by_hand_goes_through_the_service_with_snapshot(admin_client, admin_user):
    client = ClientFactory(first_name="Dan", last_name="Doe", currency="GBP")

    response = admin_client.post(ADD, add_form(client=client.pk))

    assert response.status_code == 302
    txn = Transaction.objects.get()
    assert (txn.amount_in, txn.fees, txn.amount_out) == (
        Decimal("120.50"),
        Decimal("-0.50"),
        Decimal("0.00"),
    )
    assert txn.currency == "GBP"  # the client's
    assert (txn.client_snapshot_id, txn.client_name) == (client.pk, "Dan Doe")
    assert (txn.gateway, txn.transaction_id) == ("banktransfer", "WIRE-77")
    assert txn.actor_user == admin_user


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"gateway": ""}, "gateway", "This field is required."),
        ({"description": ""}, "description", DESCRIPTION_REQUIRED),
        ({"amount_in": "12.345"}, "amount_in", "Ensure that there are no more than 2 decimal"),
        ({"amount_in": "ten"}, "amount_in", "Enter a number."),
        ({"currency": ""}, "currency", "A currency is required"),
    ],
)
def test_add_by_hand_rejects_bad_input_and_writes_nothing(admin_client, overrides, field, message):
    response = admin_client.post(ADD, add_form(**overrides))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert any(message in error for error in errors[field])
    assert not Transaction.objects.exists()


def owed_from_the_invoices(client) -> Decimal:
    """Due on open invoices less the credit held: where the statement must close."""
    client.refresh_from_db()
    due = Invoice.objects.filter(OPEN_INVOICES, client=client).aggregate(due=Sum(BALANCE_DUE))
    return (due["due"] or Decimal("0.00")) - client.credit_balance


def invoice_of(client, amount="10.00", **fields) -> Invoice:
    return invoice_create(
        client_id=client.pk,
        items=[{"description": "Hosting", "amount": amount}],
        actor=None,
        **fields,
    )


def test_add_with_an_invoice_pays_it_and_credits_the_excess(admin_client, admin_user):
    client = ClientFactory()
    invoice = invoice_of(client)

    response = admin_client.post(
        ADD, add_form(client=client.pk, invoice=invoice.pk, amount_in="11.00", description="")
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("10.00"))
    assert invoice.paid_at == timezone.make_aware(datetime(2026, 11, 24, 10, 30))
    assert client.credit_balance == Decimal("1.00")
    assert CreditEntry.objects.get().kind == CreditEntry.Kind.OVERPAYMENT
    event = invoice.events.get(kind=InvoiceEvent.Kind.PAYMENT)
    assert (event.amount, event.actor_user) == (Decimal("11.00"), admin_user)
    txn = Transaction.objects.get()
    assert (txn.invoice, txn.client, txn.actor_user) == (invoice, client, admin_user)
    statement = client_statement(client, start=EVERYTHING_START, end=timezone.localdate())
    assert statement.closing == owed_from_the_invoices(client) == Decimal("-1.00")


def test_add_with_an_invoice_submitted_twice_pays_once(admin_client):
    client = ClientFactory()
    invoice = invoice_of(client)
    form = add_form(invoice=invoice.pk, amount_in="4.00", submit_key=str(uuid.uuid4()))

    for _ in range(2):
        assert admin_client.post(ADD, form).status_code == 302

    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.UNPAID, Decimal("4.00"))
    assert Transaction.objects.count() == 1


def test_add_a_refund_on_an_invoice_lowers_what_was_paid(admin_client):
    client = ClientFactory()
    invoice = invoice_of(client)
    admin_client.post(ADD, add_form(invoice=invoice.pk, amount_in="10.00"))

    response = admin_client.post(
        ADD, add_form(invoice=invoice.pk, amount_in="0", amount_out="2.50", transaction_id="R-1")
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance_due) == (
        Invoice.Status.UNPAID,
        Decimal("7.50"),
        Decimal("2.50"),
    )
    statement = client_statement(client, start=EVERYTHING_START, end=timezone.localdate())
    assert statement.closing == owed_from_the_invoices(client) == Decimal("2.50")


def test_add_on_a_draft_invoice_is_refused_on_the_form_as_typed(admin_client):
    client = ClientFactory()
    invoice = invoice_of(client, status=Invoice.Status.DRAFT)

    response = admin_client.post(ADD, add_form(invoice=invoice.pk, amount_in="5.00"))

    # The service refused after the form validated: the form again, nothing to retype.
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == [MONEY_ON_DRAFT]
    assert (form["amount_in"].value(), form["transaction_id"].value()) == ("5.00", "WIRE-77")
    assert MONEY_ON_DRAFT in response.content.decode()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.DRAFT, Decimal("0.00"))
    assert not Transaction.objects.exists()
    assert not CreditEntry.objects.exists()


def test_transactions_cannot_be_edited(admin_client):
    txn = make_transaction()
    url = reverse("admin:transactions_transaction_change", args=[txn.pk])

    response = admin_client.post(url, add_form(amount_in="999.00"))

    assert response.status_code == 403
    txn.refresh_from_db()
    assert txn.amount_in == Decimal("10.00")


def post_action(http_client, pks, follow=False, **extra):
    data = {"action": "delete_selected_transactions", ACTION_CHECKBOX_NAME: pks, **extra}
    return http_client.post(CHANGELIST, data, follow=follow)


def test_delete_selected_confirms_then_deletes_and_logs(admin_client, admin_user):
    first = make_transaction(transaction_id="A-1", amount_in="10.00")
    second = make_transaction(transaction_id="A-2", amount_in="5.25")
    untouched = make_transaction(transaction_id="A-3")

    confirmation = post_action(admin_client, [first.pk, second.pk])

    assert confirmation.status_code == 200
    page = confirmation.content.decode()
    assert "Are you sure you want to delete these 2 transactions?" in page
    assert "USD 15.25 in" in page
    assert Transaction.objects.count() == 3  # nothing deleted yet

    response = post_action(admin_client, [first.pk, second.pk], post="yes")

    assert response.status_code == 302
    assert set(Transaction.objects.values_list("pk", flat=True)) == {untouched.pk}
    logged = TransactionDeletion.objects.order_by("transaction_pk")
    assert [(d.transaction_pk, d.transaction_id, d.amount_in) for d in logged] == [
        (first.pk, "A-1", Decimal("10.00")),
        (second.pk, "A-2", Decimal("5.25")),
    ]
    assert {d.actor_user for d in logged} == {admin_user}


def test_delete_selected_needs_the_delete_permission(client, staff_user):
    staff_user.user_permissions.add(Permission.objects.get(codename="view_transaction"))
    client.force_login(staff_user)
    txn = make_transaction()

    listing = client.get(CHANGELIST)
    response = post_action(client, [txn.pk], post="yes")

    assert "delete_selected_transactions" not in listing.content.decode()
    assert "delete_selected" not in listing.content.decode()
    assert response.status_code == 200  # "No action selected."
    assert Transaction.objects.filter(pk=txn.pk).exists()
    assert not TransactionDeletion.objects.exists()


def test_single_delete_page_goes_through_the_service(admin_client):
    txn = make_transaction(transaction_id="ONE")
    url = reverse("admin:transactions_transaction_delete", args=[txn.pk])

    response = admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Transaction.objects.exists()
    assert TransactionDeletion.objects.get().transaction_id == "ONE"


# ---- deleting a transaction on an invoice undoes what it did to the invoice -------------------


def delete_page(txn) -> str:
    return reverse("admin:transactions_transaction_delete", args=[txn.pk])


def paid_through_the_add_page(admin_client, invoice, **fields) -> Transaction:
    response = admin_client.post(ADD, add_form(invoice=invoice.pk, description="", **fields))
    assert response.status_code == 302
    return Transaction.objects.latest("pk")


def closing(client) -> Decimal:
    return client_statement(client, start=EVERYTHING_START, end=timezone.localdate()).closing


def refusals(response) -> list[str]:
    """The error messages the page shows (the Add page's success messages may be there too)."""
    return [
        str(message) for message in response.context["messages"] if message.level_tag == "error"
    ]


def test_delete_page_on_a_full_payment_reopens_the_invoice(admin_client, admin_user):
    client = ClientFactory()
    invoice = invoice_of(client)
    txn = paid_through_the_add_page(admin_client, invoice, amount_in="10.00")

    response = admin_client.post(delete_page(txn), {"post": "yes"})

    assert response.status_code == 302
    assert not Transaction.objects.exists()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance_due, invoice.paid_at) == (
        Invoice.Status.UNPAID,
        Decimal("0.00"),
        Decimal("10.00"),
        None,
    )
    event = invoice.events.get(kind=InvoiceEvent.Kind.PAYMENT_DELETED)
    assert (event.amount, event.old_value, event.new_value, event.actor_user) == (
        Decimal("10.00"),
        "0.00",
        "10.00",
        admin_user,
    )
    assert invoice.events.filter(
        kind=InvoiceEvent.Kind.STATUS_CHANGED, new_value=Invoice.Status.UNPAID
    ).exists()
    assert closing(client) == owed_from_the_invoices(client) == Decimal("10.00")


def test_delete_action_on_an_overpayment_takes_its_credit_back(admin_client, admin_user):
    client = ClientFactory()
    invoice = invoice_of(client)
    txn = paid_through_the_add_page(admin_client, invoice, amount_in="11.00")

    response = post_action(admin_client, [txn.pk], post="yes")

    assert response.status_code == 302
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert (invoice.status, invoice.balance_due) == (Invoice.Status.UNPAID, Decimal("10.00"))
    assert client.credit_balance == Decimal("0.00")
    taken_back = CreditEntry.objects.get(kind=CreditEntry.Kind.OVERPAYMENT_REVERSED)
    assert (taken_back.amount, taken_back.invoice, taken_back.actor_user) == (
        Decimal("-1.00"),
        invoice,
        admin_user,
    )
    assert f"transaction #{txn.pk} deleted" in taken_back.description
    assert closing(client) == owed_from_the_invoices(client) == Decimal("10.00")


@pytest.mark.parametrize("path", ["page", "action"])
def test_delete_when_the_overpayment_credit_is_spent_is_refused(admin_client, path):
    client = ClientFactory()
    invoice = invoice_of(client)
    txn = paid_through_the_add_page(admin_client, invoice, amount_in="11.00")
    other = invoice_of(client, amount="5.00")
    invoice_apply_credit(invoice_id=other.pk, actor=None)  # spends the 1.00 of credit
    before = (closing(client), owed_from_the_invoices(client), InvoiceEvent.objects.count())

    if path == "page":
        response = admin_client.post(delete_page(txn), {"post": "yes"}, follow=True)
    else:
        response = post_action(admin_client, [txn.pk], post="yes", follow=True)

    [message] = refusals(response)
    assert f"transaction(s) #{txn.pk} (1.00)" in message
    assert "only 0.00 of credit left" in message
    assert Transaction.objects.filter(pk=txn.pk).exists()
    assert not TransactionDeletion.objects.exists()
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("10.00"))
    assert client.credit_balance == Decimal("0.00")
    assert not CreditEntry.objects.filter(kind=CreditEntry.Kind.OVERPAYMENT_REVERSED).exists()
    assert (closing(client), owed_from_the_invoices(client), InvoiceEvent.objects.count()) == (
        before
    )


def test_delete_action_on_a_refund_puts_it_back_on_the_invoice(admin_client):
    client = ClientFactory()
    invoice = invoice_of(client)
    paid_through_the_add_page(admin_client, invoice, amount_in="10.00")
    refund = paid_through_the_add_page(
        admin_client, invoice, amount_in="0", amount_out="2.50", transaction_id="R-1"
    )

    response = post_action(admin_client, [refund.pk], post="yes")

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance_due) == (
        Invoice.Status.PAID,
        Decimal("10.00"),
        Decimal("0.00"),
    )
    assert invoice.events.get(kind=InvoiceEvent.Kind.REFUND_DELETED).amount == Decimal("2.50")
    assert closing(client) == owed_from_the_invoices(client) == Decimal("0.00")


def test_delete_action_on_a_payment_refunded_since_is_refused(admin_client):
    client = ClientFactory()
    invoice = invoice_of(client)
    payment = paid_through_the_add_page(admin_client, invoice, amount_in="10.00")
    paid_through_the_add_page(
        admin_client, invoice, amount_in="0", amount_out="10.00", transaction_id="R-1"
    )

    response = post_action(admin_client, [payment.pk], post="yes", follow=True)

    [message] = refusals(response)
    assert "Delete the refund first" in message
    assert Transaction.objects.count() == 2
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.UNPAID, Decimal("0.00"))


def test_delete_action_on_a_payment_and_its_refund_together(admin_client):
    client = ClientFactory()
    invoice = invoice_of(client)
    pks = [
        paid_through_the_add_page(admin_client, invoice, amount_in="10.00").pk,
        paid_through_the_add_page(
            admin_client, invoice, amount_in="0", amount_out="4.00", transaction_id="R-1"
        ).pk,
    ]
    unlinked = make_transaction(client=client, transaction_id="LOOSE")

    response = post_action(admin_client, [*pks, unlinked.pk], post="yes")

    assert response.status_code == 302
    assert not Transaction.objects.exists()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.UNPAID, Decimal("0.00"))
    assert TransactionDeletion.objects.count() == 3
    assert closing(client) == owed_from_the_invoices(client) == Decimal("10.00")


def test_delete_page_on_a_transaction_without_invoice_touches_no_invoice(admin_client):
    client = ClientFactory()
    invoice = invoice_of(client)
    txn = make_transaction(client=client, amount_in="10.00")

    response = admin_client.post(delete_page(txn), {"post": "yes"})

    assert response.status_code == 302
    assert not Transaction.objects.exists()
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.UNPAID, Decimal("0.00"))
    assert invoice.events.count() == 1  # created
    assert not CreditEntry.objects.exists()


def test_search_is_served_by_indexes():
    """Every branch of the search can use an index (seq scans off, to ask the planner)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = transactions_search(Transaction.objects.all(), "carol smith").explain()

    # With sequential scans priced out, a Seq Scan left in the plan means some branch of the
    # search has no usable index. Which index serves which branch is the planner's choice on a
    # tiny table, so only the absence of a scan is asserted.
    assert "Seq Scan" not in plan
    assert "Index" in plan


def test_deletion_log_is_read_only(admin_client):
    txn = make_transaction(transaction_id="LOGGED")
    post_action(admin_client, [txn.pk], post="yes")
    record = TransactionDeletion.objects.get()

    listing = admin_client.get(reverse("admin:transactions_transactiondeletion_changelist"))
    add = admin_client.get(reverse("admin:transactions_transactiondeletion_add"))
    delete = admin_client.post(
        reverse("admin:transactions_transactiondeletion_delete", args=[record.pk]), {"post": "yes"}
    )

    assert "LOGGED" in listing.content.decode()
    assert (add.status_code, delete.status_code) == (403, 403)
    assert TransactionDeletion.objects.filter(pk=record.pk).exists()
