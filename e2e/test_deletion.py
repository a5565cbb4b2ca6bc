"""Deleting a client after the confirmation page; its income stays on the Transactions tab."""

from decimal import Decimal

from playwright.sync_api import expect

from clients.models import Client, ClientDeletion
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from e2e.pages import assert_looks_finished, assert_tab_reaches, save_screenshot
from invoices.services import invoice_create, payment_record
from transactions.models import Transaction


def test_delete_a_client_after_the_confirmation_and_keep_its_transactions(admin_page):
    client = ClientFactory(first_name="Dennis", last_name="Ritchie", currency="USD")
    add_credit(client_id=client.pk, amount="5.00", description="Goodwill", actor=None)
    invoice = invoice_create(
        client_id=client.pk,
        items=[{"description": "VPS, December", "amount": Decimal("80.00")}],
        actor=None,
    )
    payment_record(
        invoice_id=invoice.pk, gateway="banktransfer", transaction_id="BT-1001", actor=None
    )
    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    admin_page.get_by_role("link", name="Delete Client").click()

    content = admin_page.locator("#content")
    expect(content).to_contain_text(f"Are you sure you want to delete client #{client.pk}")
    expect(admin_page.locator(".deletion-removed")).to_contain_text("Invoices: 1")
    expect(admin_page.locator(".deletion-kept")).to_contain_text(
        "1 transaction totalling USD 80.00 in"
    )
    assert_looks_finished(admin_page)
    confirm = admin_page.get_by_role("button", name="Confirm: delete this client")
    assert_tab_reaches(admin_page, confirm)
    save_screenshot(admin_page, "delete-client-confirmation")
    confirm.click()

    expect(admin_page.locator(".messagelist")).to_contain_text(
        f"Deleted 1 client(s): #{client.pk} Dennis Ritchie. 1 transaction(s) were kept."
    )
    assert not Client.objects.filter(pk=client.pk).exists()
    assert ClientDeletion.objects.get(client_id=client.pk).kept_transactions == 1
    txn = Transaction.objects.get(transaction_id="BT-1001")
    assert (txn.client_id, txn.amount_in) == (None, Decimal("80.00"))

    admin_page.locator("#nav-sidebar .model-transaction").get_by_role("link").first.click()
    row = admin_page.locator("#result_list tbody tr").filter(has_text="BT-1001")
    expect(row).to_contain_text(f"Deleted client #{client.pk} — Dennis Ritchie")
    expect(row).to_contain_text("80.00")
    save_screenshot(admin_page, "delete-client-transactions-kept")


def test_cancel_on_the_confirmation_keeps_the_client(admin_page):
    client = ClientFactory(first_name="Ken", last_name="Thompson")
    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    admin_page.get_by_role("link", name="Delete Client").click()
    expect(admin_page.locator(".deletion-kept")).to_contain_text("No transactions")
    admin_page.get_by_role("link", name="Cancel").click()

    expect(admin_page.get_by_role("heading", name=f"Client summary: {client}")).to_be_visible()
    assert Client.objects.filter(pk=client.pk).exists()
    save_screenshot(admin_page, "delete-client-cancelled")
