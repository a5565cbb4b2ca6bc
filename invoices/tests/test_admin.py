from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from clients.tests.admin_forms import form_post_data
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from invoices import admin as invoices_admin
from invoices import services
from invoices.models import ClientService, Invoice
from invoices.tests.factories import ClientServiceFactory, make_invoice
from transactions.models import Transaction

pytestmark = pytest.mark.django_db


def action_url(invoice, action):
    return reverse(f"admin:invoices_invoice_{action}", args=[invoice.pk])


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))


def test_invoice_changelist_filters_and_constant_queries(
    admin_client, django_assert_max_num_queries
):
    client = ClientFactory()
    overdue = make_invoice(client, due_date=date(2020, 1, 1))
    current = make_invoice(client, due_date=date(2099, 1, 1))
    other = make_invoice()
    url = reverse("admin:invoices_invoice_changelist")

    with django_assert_max_num_queries(12) as few:
        response = admin_client.get(url)
    assert response.status_code == 200
    for _ in range(20):
        make_invoice()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get(url).status_code == 200

    shown = lambda query: list(admin_client.get(url + query).context["cl"].result_list)  # noqa: E731
    assert shown("?overdue=yes") == [overdue]
    assert set(shown(f"?client={client.pk}")) == {overdue, current}
    assert other not in shown("?status__exact=Unpaid&client=" + str(client.pk))
    assert shown(f"?q=%23{other.pk}") == [other]
    assert shown("?q=abc") == []


def test_invoice_page_shows_items_totals_transactions_and_credit(
    admin_client, django_assert_max_num_queries
):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="5.00", description="Prepay", actor=None)
    invoice = make_invoice(client, auto_apply_credit=True)
    services.payment_record(
        invoice_id=invoice.pk, amount="10.00", gateway="paypal", transaction_id="PP-9", actor=None
    )

    with django_assert_max_num_queries(12):
        response = admin_client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    for text in ("Hosting", "PP-9", f"Credit applied to invoice #{invoice.pk}", "15.00"):
        assert text in page
    assert "Apply Credit" in page and "Add Payment" in page and "Remove Credit" in page


def test_apply_credit_from_the_invoice_page(admin_client):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="50.00", description="Prepay", actor=None)
    invoice = make_invoice(client)

    response = admin_client.post(action_url(invoice, "apply_credit"), {"amount": "30.00"})

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:invoices_invoice_change", args=[invoice.pk])
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert (invoice.status, invoice.credit_applied) == (Invoice.Status.PAID, Decimal("30.00"))
    assert client.credit_balance == Decimal("20.00")
    entry = CreditEntry.objects.get(kind=CreditEntry.Kind.APPLIED)
    assert (entry.amount, entry.actor_label) == (Decimal("-30.00"), "admin")


def test_apply_credit_over_the_balance_shows_the_error_and_writes_nothing(admin_client):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="10.00", description="Prepay", actor=None)
    invoice = make_invoice(client)

    response = admin_client.post(action_url(invoice, "apply_credit"), {"amount": "10.01"})

    assert response.status_code == 200
    assert services.EXCEEDS_CREDIT_BALANCE in response.content.decode()
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert invoice.credit_applied == Decimal("0.00")
    assert client.credit_balance == Decimal("10.00")
    assert CreditEntry.objects.count() == 1


def test_add_payment_from_the_invoice_page_overpays_into_credit(admin_client):
    invoice = make_invoice()

    response = admin_client.post(
        action_url(invoice, "add_payment"),
        {
            "date": "2026-11-24 10:00:00",
            "gateway": "banktransfer",
            "transaction_id": "BT-1",
            "amount": "35.00",
            "fees": "0.50",
        },
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("30.00"))
    txn = Transaction.objects.get()
    assert (txn.amount_in, txn.fees, txn.transaction_id) == (
        Decimal("35.00"),
        Decimal("0.50"),
        "BT-1",
    )
    invoice.client.refresh_from_db()
    assert invoice.client.credit_balance == Decimal("5.00")


def test_add_payment_to_a_cancelled_invoice_is_refused(admin_client):
    invoice = make_invoice()
    services.invoice_cancel(invoice_id=invoice.pk, actor=None)

    response = admin_client.post(
        action_url(invoice, "add_payment"),
        {"date": "2026-11-24 10:00:00", "gateway": "paypal", "amount": "5.00"},
    )

    assert response.status_code == 200
    assert services.PAYMENT_ON_CANCELLED in response.content.decode()
    assert not Transaction.objects.exists()


def test_remove_credit_and_cancel_from_the_invoice_page(admin_client):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="20.00", description="Prepay", actor=None)
    invoice = make_invoice(client, auto_apply_credit=True)

    admin_client.post(action_url(invoice, "remove_credit"), {"amount": "5.00"})
    invoice.refresh_from_db()
    assert invoice.credit_applied == Decimal("15.00")

    response = admin_client.post(action_url(invoice, "cancel"))
    assert response.status_code == 302
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert (invoice.status, client.credit_balance) == (Invoice.Status.CANCELLED, Decimal("20.00"))

    response = admin_client.post(action_url(invoice, "cancel"), follow=True)
    assert "this one is Cancelled" in response.content.decode()


def test_invoice_actions_need_post_and_permission(client, staff_user):
    invoice = make_invoice()
    client.force_login(staff_user)
    page = reverse("admin:invoices_invoice_change", args=[invoice.pk])

    assert client.get(page).status_code == 403
    grant(staff_user, "view_invoice")
    assert client.get(page).status_code == 200
    assert "Add Payment" not in client.get(page).content.decode()
    assert client.get(action_url(invoice, "add_payment")).status_code == 405
    payment = {"date": "2026-11-24 10:00:00", "gateway": "paypal", "amount": "5.00"}
    assert client.post(action_url(invoice, "add_payment"), payment).status_code == 403
    assert client.post(action_url(invoice, "apply_credit"), {}).status_code == 403
    assert client.post(action_url(invoice, "cancel")).status_code == 403
    assert not Transaction.objects.exists()

    grant(staff_user, "record_invoice_payment")
    assert client.post(action_url(invoice, "add_payment"), payment).status_code == 302
    assert Transaction.objects.count() == 1


def test_service_admin_list_and_add_through_the_service(
    admin_client, django_assert_max_num_queries
):
    owner = ClientFactory()
    ClientServiceFactory.create_batch(3)
    url = reverse("admin:invoices_clientservice_changelist")
    with django_assert_max_num_queries(12) as few:
        assert admin_client.get(url).status_code == 200
    ClientServiceFactory.create_batch(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert admin_client.get(url).status_code == 200

    add_url = reverse("admin:invoices_clientservice_add")
    assert (
        f'value="{owner.pk}"' in admin_client.get(f"{add_url}?client={owner.pk}").content.decode()
    )
    response = admin_client.post(
        add_url,
        {
            "client": owner.pk,
            "product_name": "VPS",
            "status": "Active",
            "billing_cycle": "annually",
            "recurring_amount": "120.00",
            "registration_date": "2026-11-24",
            "next_due_date": "2027-11-24",
        },
    )
    assert response.status_code == 302
    service = ClientService.objects.get(client=owner)
    assert (service.product_name, service.recurring_amount) == ("VPS", Decimal("120.00"))


def test_client_profile_inline_edits_services_through_the_service(admin_client):
    service = ClientServiceFactory(status=ClientService.Status.ACTIVE)
    owner = service.client
    url = reverse("admin:clients_client_change", args=[owner.pk])
    page = admin_client.get(url)
    assert service.product_name in page.content.decode()
    data = form_post_data(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(form_post_data(formset.management_form))
        for form in formset.forms:
            data.update(form_post_data(form))
    prefix = next(
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if inline.formset.model is ClientService
    )
    data[f"{prefix}-0-status"] = "Suspended"
    data[f"{prefix}-0-recurring_amount"] = "12.34"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    service.refresh_from_db()
    assert (service.status, service.recurring_amount) == ("Suspended", Decimal("12.34"))
    assert service.status_changed_at > service.created_at


def test_client_summary_quick_links_and_close_client(admin_client):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="10.00", description="Prepay", actor=None)
    make_invoice(client, auto_apply_credit=True)
    service = ClientServiceFactory(client=client)

    summary = admin_client.get(reverse("admin:clients_client_summary", args=[client.pk]))
    page = summary.content.decode()
    close_url = reverse("admin:clients_client_close", args=[client.pk])
    for text in ("Create Invoice", "View Invoices", "Add Service", "Close Client", close_url):
        assert text in page

    confirm = admin_client.get(close_url)
    assert confirm.status_code == 200
    assert "cancel 1 open invoice" in confirm.content.decode()
    client.refresh_from_db()
    assert client.status == Client.Status.ACTIVE

    response = admin_client.post(close_url)
    assert response.status_code == 302
    client.refresh_from_db()
    service.refresh_from_db()
    assert (client.status, client.credit_balance) == (Client.Status.CLOSED, Decimal("10.00"))
    assert service.status == ClientService.Status.CANCELLED


def test_close_client_needs_permissions(client, staff_user):
    target = ClientFactory()
    client.force_login(staff_user)
    grant(staff_user, "view_client", "change_client_status")
    url = reverse("admin:clients_client_close", args=[target.pk])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    target.refresh_from_db()
    assert target.status == Client.Status.ACTIVE


def create_invoice_data(client_id, **overrides):
    data = {
        "client": client_id,
        "date": "2026-11-24",
        "due_date": "2026-12-01",
        "status": "Unpaid",
        "items-TOTAL_FORMS": "3",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "1000",
        "items-0-description": "Setup fee",
        "items-0-amount": "25.00",
        "items-1-description": "Domain",
        "items-1-amount": "10.50",
    }
    return {**data, **overrides}


def test_create_invoice_page(admin_client):
    owner = ClientFactory()
    add_credit(client_id=owner.pk, amount="5.00", description="Prepay", actor=None)
    url = reverse("admin:invoices_invoice_add")
    page = admin_client.get(f"{url}?client={owner.pk}")
    assert page.status_code == 200
    assert f'value="{owner.pk}"' in page.content.decode()

    response = admin_client.post(url, create_invoice_data(owner.pk, auto_apply_credit="on"))

    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("admin:invoices_invoice_change", args=[invoice.pk])
    assert (invoice.client, invoice.total, invoice.credit_applied, invoice.due_date) == (
        owner,
        Decimal("35.50"),
        Decimal("5.00"),
        date(2026, 12, 1),
    )
    assert invoice.items.count() == 2


def test_create_invoice_page_shows_errors_and_writes_nothing(admin_client, client, staff_user):
    url = reverse("admin:invoices_invoice_add")
    response = admin_client.post(url, create_invoice_data(999999))
    assert response.status_code == 200
    assert services.CLIENT_NOT_FOUND in response.content.decode()
    owner = ClientFactory()
    response = admin_client.post(url, create_invoice_data(owner.pk, **{"items-0-amount": "-99"}))
    assert services.TOTAL_NEGATIVE in response.content.decode()
    assert not Invoice.objects.exists()

    client.force_login(staff_user)
    assert client.post(url, create_invoice_data(owner.pk)).status_code == 403
    assert not Invoice.objects.exists()


def test_invoice_page_forms_have_unique_element_ids(admin_client):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="5.00", description="Prepay", actor=None)
    invoice = make_invoice(client, auto_apply_credit=True)
    page = admin_client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    html = page.content.decode()
    for element_id in (
        "id_apply_credit_amount",
        "id_remove_credit_amount",
        "id_add_payment_amount",
    ):
        assert html.count(f'id="{element_id}"') == 1
    assert 'id="id_amount"' not in html


def test_client_summary_gets_the_latest_invoices_for_its_invoice_list(admin_client):
    client = ClientFactory()
    invoices = [make_invoice(client, amount=f"{n}.00") for n in range(1, 13)]
    services.payment_record(invoice_id=invoices[-1].pk, amount="5.00", gateway="x", actor=None)

    response = admin_client.get(reverse("admin:clients_client_summary", args=[client.pk]))

    listed = list(response.context["recent_invoices"])
    assert [invoice.pk for invoice in listed] == [invoice.pk for invoice in invoices[::-1][:10]]
    assert listed[0].balance == Decimal("7.00")
    # The Summary page itself lists them, with the balance due.
    html = response.content.decode()
    assert 'id="client-invoices"' in html
    assert f">{invoices[-1].pk}</a>" in html and "7.00" in html


def test_client_profile_leaves_out_the_inline_for_a_client_with_many_services(
    admin_client, monkeypatch
):
    owner = ClientFactory()
    ClientServiceFactory.create_batch(3, client=owner)
    url = reverse("admin:clients_client_change", args=[owner.pk])
    assert "services-TOTAL_FORMS" in admin_client.get(url).content.decode()

    monkeypatch.setattr(invoices_admin, "INLINE_SERVICES_LIMIT", 2)
    page = admin_client.get(url)

    assert page.status_code == 200
    assert "services-TOTAL_FORMS" not in page.content.decode()


GENERATE_URL = reverse("admin:invoices_invoice_generate_due")


def test_generate_due_invoices_button_shows_for_billing_administrators_only(client, staff_in_group):
    for group, shown in (("Billing administrators", True), ("Support staff", False)):
        user = staff_in_group(group)
        user.user_permissions.add(*Permission.objects.filter(codename="view_invoice"))
        client.force_login(user)
        page = client.get(reverse("admin:invoices_invoice_changelist")).content.decode()
        assert ("Generate Due Invoices" in page) is shown, group
        assert (client.post(GENERATE_URL).status_code == 302) is shown, group


def test_generate_due_invoices_pressed_twice_invoices_once(admin_client):
    ClientServiceFactory.create_batch(2, next_due_date=timezone.localdate())

    first = admin_client.post(GENERATE_URL, follow=True)
    second = admin_client.post(GENERATE_URL, follow=True)

    assert Invoice.objects.count() == 2
    assert first.redirect_chain == [(reverse("admin:invoices_invoice_changelist"), 302)]
    assert "Created 2 invoices (2 items, total 20.00)" in first.content.decode()
    assert "Nothing to invoice" in second.content.decode()


def test_generate_due_invoices_refuses_get(admin_client):
    ClientServiceFactory(next_due_date=timezone.localdate())

    assert admin_client.get(GENERATE_URL).status_code == 405
    assert not Invoice.objects.exists()
