"""Support staff see and use only what their group allows: no status, credit, balance or delete."""

import importlib

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from credits.services import add_credit
from e2e.pages import PASSWORD, assert_looks_finished, log_in_as, save_screenshot

STAFF_GROUPS_MIGRATION = ("clients", "0003_staff_groups")
FORBIDDEN_LINKS = [
    "Manage Credits",
    "Delete Client",
    "Close Client",
    "Anonymise Client",
    "Export Client Data",
]


@pytest.fixture
def support_staff_group() -> Group:
    """The group exactly as its data migration makes it.

    Live-server tests empty every table after each test, so the migration's rows are gone by now;
    its own function recreates them (on the historical models, as in the migration).
    """
    app_label, name = STAFF_GROUPS_MIGRATION
    migration = importlib.import_module(f"{app_label}.migrations.{name}")
    state = MigrationLoader(connection).project_state(STAFF_GROUPS_MIGRATION)
    migration.create_groups(state.apps, None)
    return Group.objects.get(name=migration.SUPPORT_STAFF)


@pytest.fixture
def support_page(page, live_server, django_user_model, support_staff_group):
    user = django_user_model.objects.create_user("helpdesk", password=PASSWORD, is_staff=True)
    user.groups.add(support_staff_group)
    log_in_as(page, user, live_server.url)
    return page


def test_support_staff_do_not_see_forbidden_links_or_fields(support_page):
    client = ClientFactory(first_name="Radia", last_name="Perlman")
    add_credit(client_id=client.pk, amount="15.00", description="Goodwill", actor=None)
    page = support_page

    page.goto("/admin/clients/client/")
    actions = page.get_by_role("combobox", name="Action")
    for forbidden in ["Mark selected clients Inactive", "Delete selected clients"]:
        expect(actions.locator("option", has_text=forbidden)).to_have_count(0)
    page.locator("#result_list").get_by_role("link", name="Radia Perlman").click()

    quick_links = page.locator(".quick-links")
    expect(quick_links.get_by_role("link", name="Edit Profile")).to_be_visible()
    for forbidden in FORBIDDEN_LINKS:
        expect(page.get_by_role("link", name=forbidden)).to_have_count(0)
    assert_looks_finished(page)
    save_screenshot(page, "support-staff-summary")

    quick_links.get_by_role("link", name="Edit Profile").click()
    expect(page.get_by_label("First name")).to_be_editable()
    # Status and balance are shown, not offered as fields.
    expect(page.locator("select[name=status], input[name=credit_balance]")).to_have_count(0)
    expect(page.locator(".field-status")).to_contain_text("Active")
    expect(page.locator(".field-credit_balance")).to_contain_text("15.00")
    expect(page.get_by_role("link", name="Delete")).to_have_count(0)

    response = page.goto(f"/admin/clients/client/{client.pk}/delete-client/")
    assert response.status == 403
    save_screenshot(page, "support-staff-forbidden")
