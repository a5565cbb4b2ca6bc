"""Anonymise Client and Export Client Data, clicked through as staff do (Support staff seeing
neither link is in test_support_staff)."""

import json
from decimal import Decimal

from playwright.sync_api import expect

from clients.models import Client, ClientDataExport
from clients.tests.factories import ClientFactory
from e2e.pages import assert_looks_finished, assert_tab_reaches, save_screenshot
from invoices.models import Invoice
from invoices.services import invoice_create


def test_anonymise_a_client_after_the_confirmation(admin_page):
    client = ClientFactory(first_name="Grace", last_name="Hopper", company_name="Navy")
    invoice = invoice_create(
        client_id=client.pk,
        items=[{"description": "Mainframe time", "amount": Decimal("40.00")}],
        actor=None,
    )
    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    admin_page.get_by_role("link", name="Anonymise Client").click()

    expect(admin_page.locator("#anonymise-erased")).to_contain_text("Anonymised client #")
    expect(admin_page.locator("#anonymise-kept")).to_contain_text("1 invoices keep the identity")
    expect(admin_page.locator("#content")).to_contain_text("1 open or draft invoice cancelled")
    assert_looks_finished(admin_page)
    confirm = admin_page.get_by_role("button", name="Confirm: anonymise this client")
    assert_tab_reaches(admin_page, confirm)
    save_screenshot(admin_page, "anonymise-client-confirmation")
    confirm.click()

    expect(admin_page.locator(".messagelist")).to_contain_text(
        f"Client #{client.pk} was anonymised"
    )
    expect(admin_page.locator("#content")).to_contain_text(f"Anonymised client #{client.pk}")
    expect(admin_page.get_by_role("link", name="Anonymise Client")).to_have_count(0)
    client.refresh_from_db()
    assert (client.status, client.email) == (
        Client.Status.CLOSED,
        f"client-{client.pk}@anonymised.invalid",
    )
    invoice.refresh_from_db()
    assert (invoice.status, invoice.billed_last_name) == (Invoice.Status.CANCELLED, "Hopper")
    save_screenshot(admin_page, "anonymise-client-done")


def test_delete_confirmation_leads_to_anonymise(admin_page):
    client = ClientFactory()
    admin_page.goto(f"/admin/clients/client/{client.pk}/delete-client/")
    admin_page.locator("#anonymise-instead").get_by_role("link").click()
    expect(admin_page.get_by_role("button", name="Confirm: anonymise this client")).to_be_visible()


def test_export_client_data_downloads_the_file(admin_page):
    client = ClientFactory(first_name="Alan", last_name="Turing")
    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    admin_page.get_by_role("link", name="Export Client Data").click()
    assert_looks_finished(admin_page)
    admin_page.get_by_label("Reason").fill("Access request of 5 December")
    with admin_page.expect_download() as download:
        admin_page.get_by_role("button", name="Export Client Data").click()

    document = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert document["tables"]["clients.Client"][0]["last_name"] == "Turing"
    assert ClientDataExport.objects.get().reason == "Access request of 5 December"
    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    expect(admin_page.locator("#client-data-exports")).to_contain_text(
        "Access request of 5 December"
    )
    save_screenshot(admin_page, "export-client-data-listed")
