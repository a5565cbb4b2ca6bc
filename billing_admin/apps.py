from django.contrib.admin.apps import AdminConfig


class BillingAdminConfig(AdminConfig):
    """Replaces ``django.contrib.admin`` in INSTALLED_APPS so ``admin.site`` is our site."""

    default_site = "billing_admin.admin_site.BillingAdminSite"
