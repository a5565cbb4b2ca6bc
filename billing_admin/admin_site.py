"""The admin site staff work in: a product name in the header, billing before administration.

Django's default site lists apps alphabetically, so a superuser's sidebar put Axes and
Authentication between the billing tools. Here the billing apps come first, in the order a clerk
uses them, each with its main list on top; everything else (API credentials, login attempts,
users and groups) follows alphabetically.
"""

from django.conf import settings
from django.contrib import admin
from django.utils.functional import SimpleLazyObject

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

    def get_app_list(self, request, app_label=None):
        """The index and the sidebar: billing apps first (BILLING_APPS), then the rest.

        Built when first read: every admin page puts it in its context (``each_context``), but
        popups (Manage Credits, related-object popups) never show the sidebar that reads it,
        and building it checks permissions and reverses URLs for every model (1.5 ms)."""
        return SimpleLazyObject(lambda: self._ordered_app_list(request, app_label))

    def _ordered_app_list(self, request, app_label):
        app_list = super().get_app_list(request, app_label)
        rank = {label: position for position, label in enumerate(BILLING_APPS)}
        app_list.sort(key=lambda app: (rank.get(app["app_label"], len(rank)), app["name"].lower()))
        for app in app_list:
            primary = PRIMARY_MODELS.get(app["app_label"])
            # sort() is stable: the primary model moves to the top, the rest stay alphabetical.
            app["models"].sort(key=lambda model: model["object_name"] != primary)
        return app_list
