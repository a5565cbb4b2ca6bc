"""Generate Due Invoices (the button on the Invoices list) needs a permission of its own, held by
Billing administrators: it invoices every client with a service due."""

from django.db import migrations

from billing_admin.migration_helpers import (
    BILLING_ADMINISTRATORS,
    grant_permissions,
    revoke_permissions,
)

GRANT = {
    "group": BILLING_ADMINISTRATORS,
    "app_label": "invoices",
    "codenames": ["generate_invoices"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clients", "0003_staff_groups"),
        ("invoices", "0006_choices_by_reference"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="invoice",
            options={
                "ordering": ["-date", "-id"],
                "permissions": [
                    ("apply_invoice_credit", "Can apply and remove credit on invoices"),
                    ("record_invoice_payment", "Can record payments on invoices"),
                    ("cancel_invoice", "Can cancel invoices"),
                    ("generate_invoices", "Can generate due invoices"),
                ],
            },
        ),
        migrations.RunPython(
            lambda apps, _: grant_permissions(apps, **GRANT),
            lambda apps, _: revoke_permissions(apps, **GRANT),
        ),
    ]
