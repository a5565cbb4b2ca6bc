"""The invoice history (issue 11's audit): every service that changes an invoice appends events
saying who did it, when, and the values before and after; staff can read them, never edit them."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices import services
from invoices.models import Invoice, InvoiceEvent
from invoices.tests.factories import ClientServiceFactory, make_invoice

pytestmark = pytest.mark.django_db

Kind = InvoiceEvent.Kind
PAYMENT = {"date": "2026-11-24 10:00:00", "gateway": "banktransfer", "transaction_id": "BT-1"}


def credit(client, amount):
    add_credit(client_id=client.pk, amount=amount, description="Prepay", actor=None)


def history(invoice, *, since: int = 0) -> list[tuple]:
    """(kind, old, new, amount, by, user) of the invoice's events after id ``since``, oldest
    first."""
    return list(
        invoice.events.filter(pk__gt=since)
        .order_by("pk")
        .values_list("kind", "old_value", "new_value", "amount", "actor_label", "actor_user")
    )


def last_event_id() -> int:
    return InvoiceEvent.objects.order_by("pk").values_list("pk", flat=True).last() or 0


def action_url(invoice, action):
    return reverse(f"admin:invoices_invoice_{action}", args=[invoice.pk])


def test_invoice_create_records_created_by_the_system():
    invoice = make_invoice(amount="30.00")

    assert history(invoice) == [(Kind.CREATED, "", "Unpaid", Decimal("30.00"), "system", None)]


def test_admin_apply_credit_records_the_credit_and_the_status_by_the_user(admin_client, admin_user):
    client = ClientFactory()
    credit(client, "30.00")
    invoice = make_invoice(client)
    since = last_event_id()

    response = admin_client.post(action_url(invoice, "apply_credit"), {"amount": "30.00"})

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert history(invoice, since=since) == [
        (Kind.CREDIT_APPLIED, "30.00", "0.00", Decimal("30.00"), "admin", admin_user.pk),
        (Kind.STATUS_CHANGED, "Unpaid", "Paid", None, "admin", admin_user.pk),
    ]


def test_admin_remove_credit_from_a_paid_invoice_records_paid_back_to_unpaid(
    admin_client, admin_user
):
    client = ClientFactory()
    credit(client, "30.00")
    invoice = make_invoice(client, auto_apply_credit=True)
    since = last_event_id()

    response = admin_client.post(action_url(invoice, "remove_credit"), {"amount": "5.00"})

    assert response.status_code == 302
    assert history(invoice, since=since) == [
        (Kind.CREDIT_REMOVED, "0.00", "5.00", Decimal("5.00"), "admin", admin_user.pk),
        (Kind.STATUS_CHANGED, "Paid", "Unpaid", None, "admin", admin_user.pk),
    ]


def test_admin_partial_payment_records_the_payment_without_a_status_change(
    admin_client, admin_user
):
    invoice = make_invoice(amount="30.00")
    since = last_event_id()

    response = admin_client.post(action_url(invoice, "add_payment"), {**PAYMENT, "amount": "10"})

    assert response.status_code == 302
    assert history(invoice, since=since) == [
        (Kind.PAYMENT, "30.00", "20.00", Decimal("10.00"), "admin", admin_user.pk),
    ]


def test_admin_overpayment_records_the_amount_received_and_paid(admin_client, admin_user):
    invoice = make_invoice(amount="30.00")
    since = last_event_id()

    admin_client.post(action_url(invoice, "add_payment"), {**PAYMENT, "amount": "35.00"})

    assert history(invoice, since=since) == [
        (Kind.PAYMENT, "30.00", "0.00", Decimal("35.00"), "admin", admin_user.pk),
        (Kind.STATUS_CHANGED, "Unpaid", "Paid", None, "admin", admin_user.pk),
    ]


def test_admin_cancel_records_the_old_status_and_the_credit_returned(admin_client, admin_user):
    client = ClientFactory()
    credit(client, "12.00")
    invoice = make_invoice(client, auto_apply_credit=True)
    since = last_event_id()

    response = admin_client.post(action_url(invoice, "cancel"))

    assert response.status_code == 302
    assert history(invoice, since=since) == [
        (Kind.CANCELLED, "Unpaid", "Cancelled", Decimal("12.00"), "admin", admin_user.pk),
    ]


def test_a_refused_change_records_nothing(admin_client):
    invoice = make_invoice()
    services.invoice_cancel(invoice_id=invoice.pk, actor=None)
    since = last_event_id()

    admin_client.post(action_url(invoice, "add_payment"), {**PAYMENT, "amount": "30.00"})

    assert history(invoice, since=since) == []


def test_api_create_invoice_with_credit_is_attributed_to_the_credential(
    call, credential, api_owner
):
    client = ClientFactory()
    credit(client, "50.00")

    answer = call(
        "CreateInvoice",
        userid=client.pk,
        itemdescription1="Hosting",
        itemamount1="45.90",
        autoapplycredit="true",
    )

    invoice = Invoice.objects.get(pk=answer["invoiceid"])
    by = (credential.audit_label, api_owner.pk)
    assert history(invoice) == [
        (Kind.CREATED, "", "Unpaid", Decimal("45.90"), *by),
        (Kind.CREDIT_APPLIED, "45.90", "0.00", Decimal("45.90"), *by),
        (Kind.STATUS_CHANGED, "Unpaid", "Paid", None, *by),
    ]


def test_api_add_invoice_payment_is_attributed_to_the_credential(call, credential, api_owner):
    invoice = make_invoice(amount="20.00")
    since = last_event_id()

    answer = call("AddInvoicePayment", invoiceid=invoice.pk, transid="PP-1", gateway="paypal")

    assert answer["result"] == "success"
    by = (credential.audit_label, api_owner.pk)
    assert history(invoice, since=since) == [
        (Kind.PAYMENT, "20.00", "0.00", Decimal("20.00"), *by),
        (Kind.STATUS_CHANGED, "Unpaid", "Paid", None, *by),
    ]


def test_invoices_generate_records_each_invoice_as_invoice_create_would():
    credited, covered, plain, free = ClientFactory.create_batch(4)
    credit(credited, "4.00")
    credit(covered, "10.00")
    for client in (credited, covered, plain, free):
        ClientServiceFactory(
            client=client,
            status="Active",
            recurring_amount=Decimal("0.00" if client == free else "10.00"),
            next_due_date=date(2026, 11, 24),
        )

    services.invoices_generate(today=date(2026, 11, 24))

    system = ("system", None)
    events = {client: history(Invoice.objects.get(client=client)) for client in (credited, covered)}
    assert events[credited] == [
        (Kind.CREATED, "", "Unpaid", Decimal("10.00"), *system),
        (Kind.CREDIT_APPLIED, "10.00", "6.00", Decimal("4.00"), *system),
    ]
    assert events[covered] == [
        (Kind.CREATED, "", "Unpaid", Decimal("10.00"), *system),
        (Kind.CREDIT_APPLIED, "10.00", "0.00", Decimal("10.00"), *system),
        (Kind.STATUS_CHANGED, "Unpaid", "Paid", None, *system),
    ]
    assert history(Invoice.objects.get(client=plain)) == [
        (Kind.CREATED, "", "Unpaid", Decimal("10.00"), *system)
    ]
    assert history(Invoice.objects.get(client=free, status="Paid")) == [
        (Kind.CREATED, "", "Paid", Decimal("0.00"), *system)
    ]


def test_the_invoice_page_shows_the_history(admin_client):
    invoice = make_invoice()
    admin_client.post(action_url(invoice, "add_payment"), {**PAYMENT, "amount": "30.00"})

    page = admin_client.get(action_url(invoice, "change")).content.decode()

    assert 'id="invoice-history"' in page
    for text in ("Created", "Payment", "Status changed", "Unpaid", "Paid", "admin"):
        assert text in page


def test_the_history_list_is_read_only_even_for_superusers(admin_client):
    invoice = make_invoice()
    event = invoice.events.get()

    assert admin_client.get(reverse("admin:invoices_invoiceevent_add")).status_code == 403
    change = admin_client.get(reverse("admin:invoices_invoiceevent_change", args=[event.pk]))
    assert change.status_code == 200  # the view-only form: no save button, no fields to edit
    assert 'name="_save"' not in change.content.decode()
    response = admin_client.post(
        reverse("admin:invoices_invoiceevent_change", args=[event.pk]), {"new_value": "Paid"}
    )
    assert response.status_code == 403
    delete = reverse("admin:invoices_invoiceevent_delete", args=[event.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    changelist = admin_client.get(reverse("admin:invoices_invoiceevent_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    event.refresh_from_db()
    assert (event.kind, event.new_value) == (Kind.CREATED, "Unpaid")


def test_the_history_list_filters_and_costs_the_same_queries_for_1_or_20_rows(
    admin_client, django_assert_max_num_queries
):
    url = reverse("admin:invoices_invoiceevent_changelist")
    first = make_invoice()
    with django_assert_max_num_queries(12) as few:
        assert admin_client.get(url).status_code == 200
    for _ in range(20):
        make_invoice()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get(url).status_code == 200

    by_kind = admin_client.get(
        url, {"kind": Kind.CREATED, "created_at__gte": "2000-01-01 00:00+00:00"}
    )
    assert by_kind.context["cl"].result_count == 21
    by_number = admin_client.get(url, {"q": f"#{first.pk}"})
    assert [event.invoice_id for event in by_number.context["cl"].result_list] == [first.pk]


@pytest.mark.parametrize(
    ("group", "status"), [("Billing administrators", 200), ("Support staff", 403)]
)
def test_billing_administrators_read_the_history_and_support_staff_do_not(
    client, staff_in_group, group, status
):
    staff_user = staff_in_group(group)
    client.force_login(staff_user)

    response = client.get(reverse("admin:invoices_invoiceevent_changelist"))

    assert response.status_code == status
    assert not staff_user.has_perm("invoices.change_invoiceevent")
