"""Billing administrators read the invoice history. Nobody gets add, change or delete: the history
is written by the invoices services only."""

from django.db import migrations

from billing_admin.migration_helpers import (
    BILLING_ADMINISTRATORS,
    grant_permissions,
    revoke_permissions,
)

GRANT = {
    "group": BILLING_ADMINISTRATORS,
    "app_label": "invoices",
    "codenames": ["view_invoiceevent"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clients", "0003_staff_groups"),
        ("invoices", "0003_invoice_events"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, _: grant_permissions(apps, **GRANT),
            lambda apps, _: revoke_permissions(apps, **GRANT),
        )
    ]
