"""Manage Credits: the popup from the client Summary updates balances without a reload."""

from playwright.sync_api import expect

from credits import services
from credits.tests.factories import ClientFactory
from e2e.pages import assert_looks_finished, save_screenshot


def test_add_credit_in_the_popup_updates_the_summary_and_the_client_list(admin_page):
    customer = ClientFactory()
    services.add_credit(client_id=customer.pk, amount="5.00", description="Seed", actor=None)
    client_list = admin_page.context.new_page()
    client_list.goto("/admin/clients/client/")
    listed_balance = client_list.locator(f'[data-credit-balance-client="{customer.pk}"]')
    expect(listed_balance).to_have_text("5.00 USD")
    admin_page.goto(f"/admin/clients/client/{customer.pk}/summary/")

    with admin_page.expect_popup() as popup_opened:
        admin_page.get_by_role("link", name="Manage Credits").click()
    popup = popup_opened.value
    expect(popup.locator("#content")).to_contain_text("Current credit balance: 5.00 USD")
    assert_looks_finished(popup)
    popup.get_by_role("link", name="Add Credit").click()
    popup.get_by_label("Description").fill("Goodwill")
    popup.get_by_label("Amount").fill("12.50")
    popup.get_by_role("button", name="Save Changes").click()

    expect(popup.locator("table")).to_contain_text("Goodwill")
    expect(popup.locator(".messagelist")).to_contain_text("Added 12.50 USD credit: Goodwill.")
    expect(admin_page.locator("#credit-balance")).to_have_text("17.50 USD")
    expect(listed_balance).to_have_text("17.50 USD")
    save_screenshot(popup, "manage-credits-popup")


def test_removing_too_much_in_the_popup_says_how_much_is_available(admin_page):
    customer = ClientFactory()
    services.add_credit(client_id=customer.pk, amount="3.00", description="Seed", actor=None)
    admin_page.goto(f"/admin/clients/client/{customer.pk}/credits/remove/?_popup=1")

    admin_page.get_by_label("Description").fill("Refund")
    admin_page.get_by_label("Amount").fill("4")
    admin_page.get_by_role("button", name="Save Changes").click()

    expect(admin_page.locator(".errorlist")).to_have_text(
        "Only 3.00 credit is available to remove."
    )
    assert_looks_finished(admin_page)
    customer.refresh_from_db()
    assert customer.credit_entries.count() == 1
    save_screenshot(admin_page, "remove-credit-error")
