"""Generate Due Invoices on the Invoices list: the daily run on demand, safe to press twice."""

from django.utils import timezone
from playwright.sync_api import expect

from e2e.pages import assert_looks_finished, save_screenshot
from invoices.models import Invoice
from invoices.tests.factories import ClientServiceFactory


def test_generate_due_invoices_pressed_twice_invoices_once(admin_page):
    ClientServiceFactory.create_batch(3, next_due_date=timezone.localdate())
    admin_page.goto("/admin/invoices/invoice/")
    button = admin_page.get_by_role("button", name="Generate Due Invoices")
    assert_looks_finished(admin_page)

    button.click()
    messages = admin_page.locator(".messagelist")
    expect(messages).to_contain_text("Created 3 invoices (3 items, total 30.00)")
    expect(admin_page.locator("#result_list tbody tr")).to_have_count(3)

    admin_page.get_by_role("button", name="Generate Due Invoices").click()
    expect(messages).to_contain_text("Nothing to invoice")
    expect(admin_page.locator("#result_list tbody tr")).to_have_count(3)
    assert Invoice.objects.count() == 3
    save_screenshot(admin_page, "generate-due-invoices")
