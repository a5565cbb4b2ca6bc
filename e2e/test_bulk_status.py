"""Marking clients Inactive in bulk from the client list, through the confirmation page."""

from playwright.sync_api import expect

from clients.models import Client, ClientEvent
from clients.services import client_set_status
from clients.tests.factories import ClientFactory
from e2e.pages import assert_looks_finished, assert_tab_reaches, save_screenshot


def test_bulk_mark_selected_clients_inactive(admin_page):
    active = ClientFactory.create_batch(2)
    already_inactive = ClientFactory()
    client_set_status(client_id=already_inactive.pk, status="Inactive", actor=None)
    left_alone = ClientFactory()
    admin_page.goto("/admin/clients/client/")

    rows = admin_page.locator("#result_list tbody tr")
    for client in [*active, already_inactive]:
        rows.filter(has_text=client.email).get_by_role("checkbox").check()
    expect(admin_page.locator(".action-counter")).to_contain_text("3 of 4 selected")
    admin_page.get_by_role("combobox", name="Action").select_option(
        label="Mark selected clients Inactive"
    )
    admin_page.get_by_role("button", name="Go").click()

    counts = admin_page.locator("#bulk-status-counts")
    expect(counts).to_contain_text("Selected: 3 clients")
    expect(counts).to_contain_text("Already Inactive (left untouched): 1")
    expect(counts).to_contain_text("To change to Inactive: 2")
    assert_looks_finished(admin_page)
    confirm = admin_page.get_by_role("button", name="Yes, mark 2 clients Inactive")
    assert_tab_reaches(admin_page, confirm)
    save_screenshot(admin_page, "bulk-inactive-confirmation")
    confirm.click()

    expect(admin_page.locator(".messagelist")).to_contain_text(
        "Changed 2 clients to Inactive (1 already Inactive)."
    )
    for client in [*active, already_inactive]:
        expect(rows.filter(has_text=client.email)).to_contain_text("Inactive")
    expect(rows.filter(has_text=left_alone.email)).to_contain_text("Active")
    statuses = dict(Client.objects.values_list("pk", "status"))
    assert statuses == {
        **{client.pk: "Inactive" for client in [*active, already_inactive]},
        left_alone.pk: "Active",
    }
    changed_by_boss = ClientEvent.objects.filter(
        kind=ClientEvent.Kind.STATUS_CHANGED, actor_label="boss"
    )
    assert sorted(changed_by_boss.values_list("client_id", flat=True)) == sorted(
        client.pk for client in active
    )
    save_screenshot(admin_page, "bulk-inactive-done")
