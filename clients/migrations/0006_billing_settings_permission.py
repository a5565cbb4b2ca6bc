"""Billing settings (currency, group, tax exemption) become a permission of their own, held by
"Billing administrators" and not by "Support staff", who change contact details only."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BILLING_ADMINISTRATORS = "Billing administrators"


def grant_to_billing_administrators(apps, schema_editor):
    clients_app = apps.get_app_config("clients")
    clients_app.models_module = True
    create_permissions(clients_app, apps=apps, verbosity=0)
    clients_app.models_module = None
    permission = apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="clients", codename="change_client_billing"
    )
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=BILLING_ADMINISTRATORS)
    group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0005_email_taken_message"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="client",
            options={
                "ordering": ["-id"],
                "permissions": [
                    ("change_client_status", "Can change client status"),
                    ("manage_client_credit", "Can add and remove client credit"),
                    ("adjust_client_balance", "Can edit the credit balance by hand"),
                    (
                        "change_client_billing",
                        "Can change client billing settings (currency, group, tax exemption)",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant_to_billing_administrators, migrations.RunPython.noop),
    ]
