"""Taking credit off, refusing bad amounts, and editing the balance by hand, in the browser.

Adding credit through the popup is in test_manage_credits.py.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from clients.models import ClientEvent
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from e2e.pages import assert_looks_finished, assert_tab_reaches, save_screenshot


def client_with_credit(amount: str):
    client = ClientFactory(first_name="Linus", last_name="Torvalds", currency="EUR")
    add_credit(client_id=client.pk, amount=amount, description="Prepayment", actor=None)
    return client


def open_manage_credits(page, client):
    """The Summary's Manage Credits Quick Link, which opens the credit log in a popup window.

    Opened from the keyboard (Tab to it, Enter), which the link's script must also honour.
    """
    page.goto(f"/admin/clients/client/{client.pk}/summary/")
    assert_tab_reaches(page, page.get_by_role("link", name="Manage Credits"))
    with page.expect_popup() as popup_opened:
        page.keyboard.press("Enter")
    popup = popup_opened.value
    expect(popup.get_by_role("table", name="Credit log")).to_be_visible()
    return popup


def test_remove_credit_in_the_popup(admin_page):
    client = client_with_credit("20.00")
    popup = open_manage_credits(admin_page, client)
    popup.get_by_role("link", name="Remove Credit").click()
    popup.get_by_label("Description").fill("Refund to card")
    popup.get_by_label("Amount").fill("7.50")
    popup.get_by_role("button", name="Save Changes").click()

    log = popup.get_by_role("table", name="Credit log")
    expect(log.locator("tbody tr").first).to_contain_text("Refund to card")
    expect(log.locator("tbody tr").first).to_contain_text("-7.50")
    expect(popup.locator(f'[data-credit-balance-client="{client.pk}"]')).to_have_text("12.50 EUR")
    expect(admin_page.locator("#credit-balance")).to_have_text("12.50 EUR")  # the opener
    client.refresh_from_db()
    assert client.credit_balance == Decimal("12.50")
    entry = client.credit_entries.order_by("-id").first()
    assert (entry.kind, entry.amount, entry.actor_label) == (
        CreditEntry.Kind.REMOVED,
        Decimal("-7.50"),
        "boss",
    )
    assert_looks_finished(popup)
    save_screenshot(popup, "manage-credits-remove")


@pytest.mark.parametrize(
    "amount, error",
    [
        ("ten", "Enter the amount as a number, such as 10.00."),
        ("-5", "The amount must be greater than zero."),
    ],
    ids=["letters", "negative"],
)
def test_a_bad_amount_shows_the_field_error_in_the_popup(admin_page, amount, error):
    client = client_with_credit("20.00")
    popup = open_manage_credits(admin_page, client)
    popup.get_by_role("link", name="Add Credit").click()
    popup.get_by_label("Description").fill("Goodwill")
    popup.get_by_label("Amount").fill(amount)
    save = popup.get_by_role("button", name="Save Changes")
    assert_tab_reaches(popup, save)
    popup.keyboard.press("Enter")

    expect(popup.locator(".errornote")).to_have_text("Please correct the error below.")
    expect(popup.locator(".form-row.errors .errorlist")).to_have_text(error)
    expect(popup.get_by_label("Amount")).to_have_value(amount)  # what was typed stays to fix
    client.refresh_from_db()
    assert client.credit_balance == Decimal("20.00")
    assert client.credit_entries.count() == 1
    assert_looks_finished(popup)
    save_screenshot(popup, f"manage-credits-bad-amount-{amount}")


def test_edit_the_credit_balance_by_hand_on_the_profile(admin_page):
    client = client_with_credit("10.00")
    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    admin_page.get_by_role("link", name="Edit Profile").click()
    balance = admin_page.get_by_label("Credit balance")
    expect(balance).to_have_value("10.00")
    balance.fill("25.00")
    admin_page.get_by_role("button", name="Save Changes", exact=True).click()

    expect(admin_page.locator(".messagelist")).to_contain_text("was changed successfully")
    client.refresh_from_db()
    assert client.credit_balance == Decimal("25.00")
    assert client.credit_entries.count() == 1  # no credit log entry, by design
    event = client.events.get(kind=ClientEvent.Kind.BALANCE_ADJUSTED)
    assert (event.old_value, event.new_value, event.balance_delta, event.actor_label) == (
        "10.00",
        "25.00",
        Decimal("15.00"),
        "boss",
    )
    # Saving the Profile lands on the client's Summary.
    expect(admin_page.locator("#credit-balance")).to_have_text("25.00 EUR")
    history = admin_page.get_by_role("row", name="Credit balance edited by hand")
    expect(history).to_contain_text("10.00")
    expect(history).to_contain_text("25.00")
    save_screenshot(admin_page, "credit-balance-edited")
