"""The sidebar's app list (billing_admin/sidebar.py) is Django's admin/app_list.html."""

import re

import pytest
from django.contrib import admin
from django.template import engines
from django.test import RequestFactory

from billing_admin.sidebar import sidebar_app_list
from conftest import BILLING_ADMINISTRATORS, SUPPORT_STAFF

pytestmark = pytest.mark.django_db

DJANGO_APP_LIST = engines["django"].from_string(
    "{% include 'admin/app_list.html' with app_list=available_apps show_changelinks=False %}"
)


def collapsed(html: str) -> str:
    """Whitespace between tags and runs of it inside text do not change the page."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/clients/client/",
        "/admin/clients/client/12/summary/",
        "/admin/invoices/invoice/3/change/",
        "/admin/clients/",
        "/admin/auth/user/add/",
    ],
)
@pytest.mark.parametrize("group", [None, BILLING_ADMINISTRATORS, SUPPORT_STAFF, "superuser"])
def test_sidebar_app_list_is_djangos(path, group, staff_in_group, admin_user):
    user = admin_user if group == "superuser" else staff_in_group(group)
    request = RequestFactory().get(path)
    request.user = user
    apps = list(admin.site.get_app_list(request))

    ours = sidebar_app_list({"request": request}, apps)
    django = DJANGO_APP_LIST.render({"available_apps": apps}, request)

    assert collapsed(ours) == collapsed(django)
    assert ("current-model" in ours) == ("current-model" in django)
