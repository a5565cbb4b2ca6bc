"""Account statements and the credit policy, clicked through: open a client's statement from the
Summary, download its PDF, set the client's credit policy on the Profile, and see the next
invoice run follow it."""

import io
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from clients.models import Client
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from e2e.pages import assert_looks_finished, save_screenshot
from invoices.models import Invoice
from invoices.services import invoice_create
from invoices.tests.factories import ClientServiceFactory


def test_open_a_statement_and_download_its_pdf(admin_page):
    client = ClientFactory(first_name="Katherine", last_name="Johnson", currency="GBP")
    day = timezone.localdate() - timedelta(days=3)
    invoice_create(
        client_id=client.pk,
        items=[{"description": "Orbital hosting", "amount": "120.00"}],
        actor=None,
        date=day,
        due_date=day,
    )
    add_credit(client_id=client.pk, amount="20.00", description="Goodwill", actor=None, date=day)

    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    admin_page.get_by_role("link", name="Account Statement").click()
    admin_page.get_by_label("Period").select_option("everything")
    admin_page.get_by_role("button", name="Show statement").click()
    expect(admin_page.locator("#closing-balance")).to_have_text("100.00")
    expect(admin_page.locator("#statement-lines")).to_contain_text("Goodwill")
    expect(admin_page.get_by_text("amounts in GBP")).to_be_visible()
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "account-statement")

    with admin_page.expect_download() as download_info:
        admin_page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(open(download.path(), "rb").read())).pages
    )
    assert "Katherine Johnson" in text and "100.00" in text and "GBP" in text


def test_bad_range_shows_a_clear_error(admin_page):
    client = ClientFactory()
    admin_page.goto(f"/admin/clients/client/{client.pk}/statement/?start=2026-03-10&end=2026-03-01")
    expect(admin_page.get_by_role("alert")).to_contain_text("before it starts")


def test_change_the_credit_policy_and_generation_follows(admin_page):
    client = ClientFactory(first_name="Dorothy", last_name="Vaughan")
    add_credit(client_id=client.pk, amount="50.00", description="Prepaid", actor=None)
    today = timezone.localdate()
    ClientServiceFactory(client=client, next_due_date=today, recurring_amount="10.00")
    # A client left on the site default, for contrast: the same run applies its credit.
    other = ClientFactory(first_name="Mary", last_name="Jackson")
    add_credit(client_id=other.pk, amount="50.00", description="Prepaid", actor=None)
    ClientServiceFactory(client=other, next_due_date=today, recurring_amount="10.00")

    admin_page.goto(f"/admin/clients/client/{client.pk}/change/")
    admin_page.get_by_label("Credit policy").select_option(label="Never apply automatically")
    admin_page.get_by_role("button", name="Save Changes", exact=True).click()
    expect(admin_page.locator(".messagelist")).to_be_visible()
    assert Client.objects.get(pk=client.pk).credit_policy == Client.CreditPolicy.NEVER

    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    expect(admin_page.locator("#credit-policy")).to_have_text("Never apply automatically")

    admin_page.goto("/admin/invoices/invoice/")
    admin_page.get_by_role("button", name="Generate Due Invoices").click()
    expect(admin_page.locator(".messagelist")).to_contain_text("Created 2 invoices")
    assert Invoice.objects.get(client=other).credit_applied == Decimal("10.00")
    invoice = Invoice.objects.get(client=client)
    assert invoice.credit_applied == Decimal("0.00")
    admin_page.goto(f"/admin/invoices/invoice/{invoice.pk}/change/")
    expect(admin_page.locator("#credit-applied")).to_have_text("0.00")
    expect(admin_page.locator("#credit-policy-note")).to_contain_text("Never apply automatically")
    save_screenshot(admin_page, "credit-policy-followed")
