"""Billing administrators read the record of edits to transactions (read-only for everyone)."""

from django.db import migrations

from billing_admin.migration_helpers import (
    BILLING_ADMINISTRATORS,
    grant_permissions,
    revoke_permissions,
)

GRANT = {
    "group": BILLING_ADMINISTRATORS,
    "app_label": "transactions",
    "codenames": ["view_transactionchange"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clients", "0003_staff_groups"),
        ("transactions", "0005_transaction_change_audit"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, _: grant_permissions(apps, **GRANT),
            lambda apps, _: revoke_permissions(apps, **GRANT),
        )
    ]
