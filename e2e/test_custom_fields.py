"""Custom client fields as staff click through them: define a drop-down field, set it on a
client's Profile, see it on the Summary and filter the client list by it."""

from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from customfields.models import CustomField, FieldType
from customfields.selectors import custom_field_values_for
from customfields.services import client_set_custom_field_values
from customfields.tests.factories import CustomFieldFactory
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


def test_pages_with_custom_fields_look_finished(admin_page):
    # Imported here: the module's flows do not need the shared page list.
    from e2e.test_pages_finished import StaffPage, check_page

    client = ClientFactory(first_name="Frances", last_name="Allen")
    fields = {
        FieldType.TEXT: "GB123456789",
        FieldType.TEXTAREA: "Invoices go to the accounts team; " * 12,
        FieldType.NUMBER: "25",
        FieldType.DATE: "2026-01-31",
        FieldType.DROPDOWN: "Priority",
        FieldType.TICKBOX: "on",
        FieldType.LINK: "https://accounts.research.example.com/customers/frances-allen/billing",
    }
    values = {}
    for order, (field_type, value) in enumerate(fields.items()):
        field = CustomFieldFactory(
            name=f"A rather long field name for the {field_type} field",
            field_type=field_type,
            options="Standard, Priority" if field_type == FieldType.DROPDOWN else "",
            description="Shown under the field.",
            show_in_list=field_type in (FieldType.DROPDOWN, FieldType.LINK),
            filterable=field_type in (FieldType.DROPDOWN, FieldType.TICKBOX),
            sort_order=order,
        )
        values[field.pk] = value
    client_set_custom_field_values(client_id=client.pk, values=values, actor=None)
    pages = [
        StaffPage("custom client fields", "customfields_customfield_changelist", "Add"),
        StaffPage("add custom client field", "customfields_customfield_add", "Save"),
        StaffPage("client list", "clients_client_changelist", "Add New Client"),
        StaffPage("add client", "clients_client_add", "Save"),
        StaffPage("client summary", "clients_client_summary", "Delete Client", by_client=True),
        StaffPage("client profile", "clients_client_change", "Save Changes", by_client=True),
    ]
    problems = []
    for staff_page in pages:
        try:
            check_page(admin_page, staff_page, client, None)
        except AssertionError as problem:
            problems.append(f"{staff_page.name}: {problem}")
    assert not problems, "\n".join(problems)
