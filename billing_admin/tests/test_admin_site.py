"""The admin site: the product name in the header, billing apps ahead of administration."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.models import Permission
from django.test import override_settings

from clients.tests.factories import ClientFactory
from conftest import SUPPORT_STAFF

pytestmark = pytest.mark.django_db


def section_names(html: str) -> list[str]:
    """The app sections of the admin index, top to bottom (their captions)."""
    caption = r'<caption>\s*<a href="/admin/[a-z_]+/" class="section"[^>]*>([^<]+)</a>'
    return re.findall(caption, html)


def test_index_lists_billing_apps_first_then_administration(admin_client):
    html = admin_client.get("/admin/").content.decode()

    sections = section_names(html)
    assert sections[:4] == ["Clients", "Invoices", "Transactions", "Credits"]
    assert {"Axes", "Authentication and Authorization"} <= set(sections[4:])


def test_each_billing_section_starts_with_its_main_list(admin_client):
    app_list = admin_client.get("/admin/").context["app_list"]

    first_models = {app["app_label"]: app["models"][0]["object_name"] for app in app_list}
    assert first_models["clients"] == "Client"
    assert first_models["invoices"] == "Invoice"
    assert first_models["transactions"] == "Transaction"


def test_sidebar_on_other_pages_uses_the_same_order(admin_client):
    available = admin_client.get("/admin/clients/client/").context["available_apps"]

    assert [app["app_label"] for app in available][:4] == [
        "clients",
        "invoices",
        "transactions",
        "credits",
    ]


@override_settings(PRODUCT_NAME="Acme Billing")
def test_header_and_title_show_the_product_name(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert '<div id="site-name"><a href="/admin/">Acme Billing</a></div>' in html
    assert "<title>Client management | Acme Billing</title>" in html
    assert "billing_admin</a>" not in html


def test_product_name_defaults_to_the_company_name_and_billing():
    from django.conf import settings

    assert settings.PRODUCT_NAME == f"{settings.COMPANY_NAME} Billing"


@pytest.fixture
def app_list_builds(monkeypatch) -> list:
    """One item for each app list Django's AdminSite builds from here on; none kept from before
    (earlier tests built lists for the same permissions)."""
    admin.site._app_lists.clear()
    built = []
    original = AdminSite.get_app_list
    monkeypatch.setattr(
        AdminSite,
        "get_app_list",
        lambda *args, **kwargs: built.append(1) or original(*args, **kwargs),
    )
    return built


def test_a_popup_builds_no_app_list(admin_client, app_list_builds):
    # The sidebar is the only reader on a page, and a popup has none.
    client = ClientFactory()
    built = app_list_builds

    popup = admin_client.get(f"/admin/clients/client/{client.pk}/credits/?_popup=1")
    assert popup.status_code == 200 and built == []

    page = admin_client.get(f"/admin/clients/client/{client.pk}/credits/")
    assert page.status_code == 200 and built == [1]
    assert 'id="nav-sidebar"' in page.content.decode()


def sidebar_models(response) -> list[str]:
    return re.findall(r'<tr class="model-([a-z]+)', response.content.decode())


def test_staff_with_the_same_permissions_share_one_app_list(
    client, app_list_builds, staff_in_group
):
    pages = []
    for _ in range(2):
        client.force_login(staff_in_group(SUPPORT_STAFF))
        pages.append(client.get("/admin/clients/client/"))

    assert app_list_builds == [1]
    assert sidebar_models(pages[0]) == sidebar_models(pages[1])
    assert "client" in sidebar_models(pages[0])


def test_a_permission_granted_shows_in_the_sidebar_at_once(client, staff_in_group):
    user = staff_in_group(SUPPORT_STAFF)
    client.force_login(user)
    assert "group" not in sidebar_models(client.get("/admin/clients/client/"))

    user.user_permissions.add(Permission.objects.get(codename="view_group"))

    assert "group" in sidebar_models(client.get("/admin/clients/client/"))
    user.user_permissions.clear()
    assert "group" not in sidebar_models(client.get("/admin/clients/client/"))
