"""Custom client fields as staff click through them: define a drop-down field, set it on a
client's Profile, see it on the Summary and filter the client list by it."""

from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from customfields.models import CustomField
from customfields.selectors import custom_field_values_for
from e2e.pages import assert_looks_finished, save_screenshot


def test_define_a_dropdown_set_it_on_a_client_and_filter_the_list(admin_page):
    chosen = ClientFactory(first_name="Ada", last_name="Lovelace")
    other = ClientFactory(first_name="Grace", last_name="Hopper")

    admin_page.goto("/admin/customfields/customfield/add/")
    admin_page.get_by_label("Name").fill("Support plan")
    admin_page.get_by_label("Type").select_option(label="Drop down")
    admin_page.get_by_label("Drop-down options").fill("Gold, Silver, Bronze")
    admin_page.get_by_label("Show in the client list").check()
    admin_page.get_by_label("Usable as a list filter").check()
    assert_looks_finished(admin_page)
    admin_page.get_by_role("button", name="Save", exact=True).click()
    expect(admin_page.locator(".messagelist")).to_contain_text("was added successfully")
    field = CustomField.objects.get(name="Support plan")
    admin_page.goto(f"/admin/customfields/customfield/{field.pk}/change/")
    expect(admin_page.get_by_label("Drop-down options")).to_have_value("Gold, Silver, Bronze")
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "custom-client-field")

    admin_page.goto(f"/admin/clients/client/{chosen.pk}/change/")
    admin_page.get_by_label("Support plan").select_option("Gold")
    assert_looks_finished(admin_page)
    admin_page.get_by_role("button", name="Save Changes", exact=True).click()
    expect(admin_page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert custom_field_values_for([chosen.pk]) == {chosen.pk: {field.pk: "Gold"}}

    admin_page.goto(f"/admin/clients/client/{chosen.pk}/summary/")
    expect(admin_page.locator("#client-custom-fields")).to_contain_text("Gold")

    admin_page.goto("/admin/clients/client/")
    admin_page.get_by_label("Filter by Support plan").select_option(label="Gold")
    rows = admin_page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Ada Lovelace")
    expect(rows.first).to_contain_text("Gold")
    expect(admin_page.locator("#result_list")).not_to_contain_text(other.email)
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "client-list-filtered-by-custom-field")
