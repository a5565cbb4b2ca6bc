"""A client's contacts and notes log as staff click through them, from the client's Summary."""

from playwright.sync_api import expect

from clients.models import ClientEvent, ClientNote
from clients.selectors import EmailKind, client_email_cc
from clients.services import WELCOME_TEMPLATE, client_note_add, client_send_welcome_email
from clients.tests.factories import ClientFactory
from e2e.pages import assert_looks_finished, save_screenshot
from emails.services import email_queue


def test_add_a_contact_from_the_summary_and_it_is_copied_on_the_clients_emails(
    admin_page, mailoutbox
):
    client = ClientFactory(first_name="Ada", last_name="Lovelace", email="ada@example.com")
    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    admin_page.get_by_role("link", name="Add Contact", exact=True).click()

    admin_page.get_by_label("First name").fill("Charles")
    admin_page.get_by_label("Last name").fill("Babbage")
    admin_page.get_by_label("Email:", exact=True).fill("charles@example.com")
    admin_page.get_by_label("Receives general emails").check()
    admin_page.get_by_label("Receives invoice emails").check()
    admin_page.get_by_label("Billing contact").check()
    assert_looks_finished(admin_page)
    admin_page.get_by_role("button", name="Save", exact=True).click()

    # Back on the Summary, the contact is listed as the billing contact.
    contacts = admin_page.locator("#client-contacts")
    expect(contacts).to_contain_text("Charles Babbage")
    expect(contacts).to_contain_text("charles@example.com")
    expect(contacts).to_contain_text("Billing contact")
    expect(admin_page.locator("#client-history")).to_contain_text("Contact added")
    # A general email to the client now goes out as one message, the contact on its CC line
    # (the welcome template stands in for any general email); the welcome email does not CC.
    assert client_email_cc(client, EmailKind.INVOICE) == ["charles@example.com"]
    email_queue(
        client_id=client.pk,
        kind=EmailKind.GENERAL,
        template=WELCOME_TEMPLATE,
        subject="Planned maintenance",
        actor=None,
    )
    client_send_welcome_email(client_id=client.pk, actor=None)
    general, welcome = mailoutbox
    assert (general.to, general.cc) == (["ada@example.com"], ["charles@example.com"])
    assert (welcome.to, welcome.cc) == (["ada@example.com"], [])
    admin_page.reload()
    email_log = admin_page.locator("#email-log")
    expect(email_log).to_contain_text("Planned maintenance")
    expect(email_log).to_contain_text("cc: charles@example.com")
    assert client.events.filter(kind=ClientEvent.Kind.CONTACT_ADDED).exists()
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "client-summary-contacts")

    # The list search finds the client by the contact's email.
    admin_page.goto("/admin/clients/client/?q=charles@exa")
    expect(admin_page.locator("#result_list")).to_contain_text("Ada Lovelace")


def test_a_sticky_note_shows_on_the_summary_and_in_the_manage_credits_popup(admin_page):
    client = ClientFactory(first_name="Grace", last_name="Hopper")
    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    admin_page.get_by_role("link", name="Add Note", exact=True).click()
    admin_page.get_by_label("Text").fill("Pays by bank transfer only")
    admin_page.get_by_label("Sticky").check()
    admin_page.get_by_role("button", name="Save", exact=True).click()

    banner = admin_page.locator(".sticky-notes")
    expect(banner).to_contain_text("Pays by bank transfer only")
    expect(banner).to_contain_text("boss")
    expect(admin_page.locator("#client-notes")).to_contain_text("Pays by bank transfer only")
    assert ClientNote.objects.get().sticky
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "client-summary-sticky-note")

    with admin_page.expect_popup() as popup_opened:
        admin_page.get_by_role("link", name="Manage Credits").click()
    popup = popup_opened.value
    expect(popup.locator(".sticky-notes")).to_contain_text("Pays by bank transfer only")
    save_screenshot(popup, "manage-credits-sticky-note")


def test_editing_a_note_keeps_the_old_text_in_the_history(admin_page):
    client = ClientFactory()
    client_note_add(client_id=client.pk, actor=None, text="Call on Mondays")
    admin_page.goto(f"/admin/clients/client/{client.pk}/summary/")
    admin_page.locator("#client-notes").get_by_role("link", name="Edit").click()
    admin_page.get_by_label("Text").fill("Call on Tuesdays")
    admin_page.get_by_role("button", name="Save", exact=True).click()

    expect(admin_page.locator("#client-notes")).to_contain_text("Call on Tuesdays")
    history = admin_page.locator("#client-history")
    expect(history).to_contain_text("Note edited")
    expect(history).to_contain_text("Call on Mondays")
