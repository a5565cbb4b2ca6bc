"""Clients as staff click through them: add, find, and take out of use (Inactive)."""

import re

import pytest
from playwright.sync_api import expect

from clients.models import Client, ClientEvent
from clients.tests.factories import ClientFactory
from e2e.pages import assert_looks_finished, assert_tab_reaches, save_screenshot
from invoices.models import ClientService


def fill_add_client_form(page, email: str) -> None:
    page.goto("/admin/clients/client/")
    page.get_by_role("link", name="Add New Client").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Company name").fill("Analytical Engines Ltd")
    page.get_by_label("Email:", exact=True).fill(email)
    page.get_by_label("Phone number").fill("+44.2071234567")
    page.get_by_label("Address line 1").fill("12 St James's Square")
    page.get_by_label("City").fill("London")
    page.get_by_label("State/region").fill("Greater London")
    page.get_by_label("Postcode").fill("SW1Y 4LB")
    page.get_by_label("Country").select_option("GB")
    page.get_by_label("Currency").select_option("GBP")


@pytest.mark.parametrize("send_email", [True, False], ids=["email-ticked", "email-unticked"])
def test_add_new_client_with_or_without_the_welcome_email(admin_page, mailoutbox, send_email):
    email = "ada@example.com"
    fill_add_client_form(admin_page, email)
    tick_box = admin_page.get_by_label("Send welcome email")
    expect(tick_box).to_be_checked()  # ticked by default, as in WHMCS
    tick_box.set_checked(send_email)
    assert_looks_finished(admin_page)
    save = admin_page.get_by_role("button", name="Save", exact=True)
    assert_tab_reaches(admin_page, save)
    save.click()

    messages = admin_page.locator(".messagelist")
    expect(messages).to_contain_text("was added successfully")
    client = Client.objects.get(email=email)
    # As in WHMCS, the clerk lands on the new client's Summary, not on the whole list.
    expect(admin_page).to_have_url(re.compile(f"/admin/clients/client/{client.pk}/summary/$"))
    expect(admin_page.get_by_role("heading", name=f"Client summary: {client}")).to_be_visible()
    assert (client.first_name, client.status, client.currency) == ("Ada", "Active", "GBP")
    if send_email:
        expect(messages).to_contain_text(f"The welcome email was sent to {email}.")
        assert [message.to for message in mailoutbox] == [[email]]
    else:
        expect(messages).not_to_contain_text("welcome email")
        assert mailoutbox == []
    save_screenshot(admin_page, f"add-client-{'with' if send_email else 'without'}-email")


def test_add_new_client_with_a_taken_email_shows_the_field_error(admin_page, mailoutbox):
    ClientFactory(email="ada@example.com")
    fill_add_client_form(admin_page, "ADA@example.com")
    admin_page.get_by_role("button", name="Save", exact=True).click()

    expect(admin_page.locator(".errorlist")).to_contain_text(
        "A client with this email address already exists."
    )
    assert Client.objects.count() == 1
    assert mailoutbox == []
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "add-client-email-taken")


def test_find_a_client_by_search_and_open_its_summary(admin_page):
    wanted = ClientFactory(first_name="Grace", last_name="Hopper", email="grace@navy.example")
    ClientFactory.create_batch(3)
    admin_page.goto("/admin/clients/client/")
    assert_looks_finished(admin_page)

    admin_page.get_by_role("textbox", name="Search").fill("grace@navy")
    admin_page.keyboard.press("Enter")
    rows = admin_page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("grace@navy.example")
    rows.get_by_role("link", name="Grace Hopper").click()

    expect(admin_page.get_by_role("heading", name=f"Client summary: {wanted}")).to_be_visible()
    expect(admin_page.locator("#content-main")).to_contain_text("grace@navy.example")
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "client-search-summary")


def test_set_a_client_inactive_on_the_profile(admin_page):
    client = ClientFactory(first_name="Alan", last_name="Turing")
    ClientService.objects.create(
        client=client, product_name="Shared hosting", status=ClientService.Status.ACTIVE
    )
    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    admin_page.get_by_role("link", name="Edit Profile").click()
    # The client's own Status; each service in the inline below has one too.
    status = admin_page.get_by_role("group", name="Status and credit").get_by_label("Status:")
    expect(status).to_have_value("Active")
    status.select_option("Inactive")
    admin_page.get_by_role("button", name="Save Changes", exact=True).click()

    expect(admin_page.locator(".messagelist .warning")).to_contain_text(
        "is now Inactive but still has 1 active service(s): invoicing continues while product "
        "statuses stay active."
    )
    client.refresh_from_db()
    assert client.status == Client.Status.INACTIVE
    event = client.events.get(kind=ClientEvent.Kind.STATUS_CHANGED)
    assert (event.old_value, event.new_value, event.actor_label) == ("Active", "Inactive", "boss")
    # Back on that client's Summary with the message, not on the list.
    expect(admin_page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(admin_page.locator(".status-badge")).to_have_text("Inactive")
    save_screenshot(admin_page, "client-set-inactive")
    admin_page.goto("/admin/clients/client/")
    expect(admin_page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()
    rows = admin_page.locator("#result_list tbody tr")
    expect(rows.filter(has_text="Alan Turing")).to_contain_text("Inactive")


def test_profile_history_and_emails_sit_below_the_form_not_behind_it(admin_page):
    client = ClientFactory(first_name="Grace", last_name="Hopper")
    admin_page.goto(f"/admin/clients/client/{client.pk}/change/")

    form_bottom = admin_page.locator("#client_form").bounding_box()
    history_top = admin_page.locator("#client-history").bounding_box()

    # #content-main floats: unless cleared, the history box is laid out behind the form and its
    # heading's colour shows through the gaps between the fieldsets.
    assert history_top["y"] >= form_bottom["y"] + form_bottom["height"]
