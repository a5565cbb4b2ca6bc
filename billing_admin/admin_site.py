"""The admin site staff work in: a product name in the header, billing before administration.

Django's default site lists apps alphabetically, so a superuser's sidebar put Axes and
Authentication between the billing tools. Here the billing apps come first, in the order a clerk
uses them, each with its main list on top; everything else (API credentials, login attempts,
users and groups) follows alphabetically.
"""

from django.conf import settings
from django.contrib import admin
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from billing_admin.object_urls import url_setup

# Billing first, in this order; any other app after them.
BILLING_APPS = ["clients", "invoices", "transactions", "credits"]
# The list a clerk opens most in each billing app heads its section.
PRIMARY_MODELS = {
    "clients": "Client",
    "invoices": "Invoice",
    "transactions": "Transaction",
    "credits": "CreditEntry",
}


class BillingAdminSite(admin.AdminSite):
    index_title = "Client management"

    # Read from settings on each request, so a test's override_settings applies too.
    @property
    def site_header(self) -> str:
        return settings.PRODUCT_NAME

    @property
    def site_title(self) -> str:
        return settings.PRODUCT_NAME

    # Built app lists by what decides them (see _app_list_key), bounded: any number of staff
    # share a few sets of permissions, one per group.
    APP_LISTS_KEPT = 256

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._app_lists: dict[tuple, list] = {}

    def get_app_list(self, request, app_label=None):
        """The index and the sidebar: billing apps first (BILLING_APPS), then the rest.

        Built when first read: every admin page puts it in its context (``each_context``), but
        popups (Manage Credits, related-object popups) never show the sidebar that reads it.
        Building it checks permissions and reverses URLs for every model (2-3 ms of each page),
        so the sidebar's list is built once for each set of permissions and reused; the lists
        are only read (the sidebar tag, the index template)."""
        if app_label is not None:
            return self._ordered_app_list(request, app_label)
        return SimpleLazyObject(lambda: self._shared_app_list(request))

    def _shared_app_list(self, request):
        key = _app_list_key(request.user)
        app_list = self._app_lists.get(key)
        if app_list is None:
            if len(self._app_lists) >= self.APP_LISTS_KEPT:
                self._app_lists.clear()
            app_list = self._app_lists[key] = self._ordered_app_list(request, None)
        return app_list

    def _ordered_app_list(self, request, app_label):
        app_list = super().get_app_list(request, app_label)
        rank = {label: position for position, label in enumerate(BILLING_APPS)}
        app_list.sort(key=lambda app: (rank.get(app["app_label"], len(rank)), app["name"].lower()))
        for app in app_list:
            primary = PRIMARY_MODELS.get(app["app_label"])
            # sort() is stable: the primary model moves to the top, the rest stay alphabetical.
            app["models"].sort(key=lambda model: model["object_name"] != primary)
        return app_list


def _app_list_key(user) -> tuple:
    """What the app list depends on: which models the user may see, add or change (every
    ModelAdmin's ``has_*_permission`` without an object comes down to the user's permissions),
    and the language and URLs its names and links are written in. A permission granted
    or withdrawn makes a new key. The permissions are the ones the page's own checks loaded."""
    if not user.is_active:
        permissions = "inactive: none"
    elif user.is_superuser:
        permissions = "superuser: all"  # never loads the permission table for this
    else:
        permissions = frozenset(user.get_all_permissions())
    return (permissions, get_language(), *url_setup())
