"""The client as one place: a tab bar on every page about one client, desktop and phone."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from credits.services import add_credit
from e2e.pages import DESKTOP, PHONE, assert_looks_finished, save_screenshot
from invoices.services import invoice_create
from invoices.tests.factories import ClientServiceFactory
from transactions.tests.factories import make_transaction

TAB_LABELS = [
    "Summary",
    "Profile",
    "Contacts",
    "Services",
    "Invoices",
    "Transactions",
    "Credits",
    "Emails",
    "Notes",
    "History",
]


@pytest.fixture
def customer():
    """A client with a record behind every tab."""
    client = ClientFactory(first_name="Katherine", last_name="Johnson", currency="USD")
    ClientServiceFactory(client=client)
    add_credit(client_id=client.pk, amount="20.00", description="Prepayment", actor=None)
    invoice_create(
        client_id=client.pk,
        items=[{"description": "Web hosting", "amount": Decimal("15.00")}],
        actor=None,
    )
    make_transaction(client=client)
    return client


def tab_bar(page):
    return page.get_by_role("navigation", name="Client pages")


def tab_names(page) -> list[str]:
    """The tab labels, without their figures."""
    return [text.split()[0] for text in tab_bar(page).get_by_role("link").all_inner_texts()]


def expect_current(page, label: str) -> None:
    current = tab_bar(page).locator('[aria-current="page"]')
    expect(current).to_have_count(1)
    expect(current).to_contain_text(label)


def assert_bar_fits(page, viewport) -> None:
    """The whole bar is on screen, wrapped rather than cut, on a phone too."""
    expect(tab_bar(page)).to_be_visible()
    for box in (tab.bounding_box() for tab in tab_bar(page).get_by_role("listitem").all()):
        assert 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_every_client_tab_is_a_link_to_its_page_with_the_tab_marked(admin_page, customer, viewport):
    admin_page.set_viewport_size(viewport)
    admin_page.goto(f"/admin/clients/client/{customer.pk}/summary/")
    assert tab_names(admin_page) == TAB_LABELS
    expect_current(admin_page, "Summary")
    # Each list tab counts its rows for this client.
    expect(tab_bar(admin_page).get_by_role("link", name="Invoices")).to_have_text("Invoices 1")
    expect(tab_bar(admin_page).get_by_role("link", name="Credits")).to_have_text("Credits 1")

    for label in TAB_LABELS[1:]:
        tab_bar(admin_page).get_by_role("link", name=label).click()
        expect_current(admin_page, label)
        assert_bar_fits(admin_page, viewport)
    # The lists behind the tabs show this client only.
    expect(admin_page.locator("#content-main")).to_contain_text("Katherine Johnson")
    admin_page.set_viewport_size(DESKTOP)
    assert_looks_finished(admin_page)
    admin_page.set_viewport_size(viewport)
    tab_bar(admin_page).get_by_role("link", name="Invoices").click()
    expect(admin_page.locator("#result_list tbody tr")).to_have_count(1)
    save_screenshot(admin_page, f"client-tabs-{viewport['width']}")


def test_the_profile_and_the_summary_look_finished_with_the_tab_bar(admin_page, customer):
    admin_page.goto(f"/admin/clients/client/{customer.pk}/change/")
    expect_current(admin_page, "Profile")
    assert_looks_finished(admin_page)
    admin_page.goto(f"/admin/clients/client/{customer.pk}/summary/")
    assert_looks_finished(admin_page)
    admin_page.set_viewport_size(PHONE)
    save_screenshot(admin_page, "client-summary-phone")


def test_the_manage_credits_popup_has_no_tab_bar(admin_page, customer):
    admin_page.goto(f"/admin/clients/client/{customer.pk}/credits/?_popup=1")
    expect(admin_page.locator("#content")).to_contain_text("Current credit balance")
    expect(tab_bar(admin_page)).to_have_count(0)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_add_pages_opened_for_a_client_show_its_tab_bar(admin_page, customer, viewport):
    admin_page.set_viewport_size(viewport)
    admin_page.goto(f"/admin/clients/client/{customer.pk}/summary/")
    # From the Summary's Quick Link, the way staff arrive.
    admin_page.get_by_role("link", name="Add Contact", exact=True).click()
    expect(admin_page.get_by_label("Receives invoice emails")).to_be_visible()
    assert tab_names(admin_page) == TAB_LABELS
    expect_current(admin_page, "Contacts")
    assert_bar_fits(admin_page, viewport)
    save_screenshot(admin_page, f"client-add-contact-{viewport['width']}")

    for path, label in [
        ("clients/clientnote/add/", "Notes"),
        ("invoices/invoice/add/", "Invoices"),
        ("invoices/clientservice/add/", "Services"),
    ]:
        admin_page.goto(f"/admin/{path}?client={customer.pk}")
        expect_current(admin_page, label)
        assert_bar_fits(admin_page, viewport)
    assert_looks_finished(admin_page)  # the last one, Add Service, at both sizes

    admin_page.goto("/admin/invoices/invoice/add/")
    expect(admin_page.get_by_label("Client ID")).to_be_visible()
    expect(tab_bar(admin_page)).to_have_count(0)
