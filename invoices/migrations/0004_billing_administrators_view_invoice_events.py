"""Billing administrators read the invoice history (clients 0003 gave the group every billing
permission that existed then; a model added later needs its own grant). Nobody gets add, change
or delete: the history is written by the invoices services only."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BILLING_ADMINISTRATORS = "Billing administrators"
CODENAME = "view_invoiceevent"


def grant_view(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make them now.
    app_config = apps.get_app_config("invoices")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.get(content_type__app_label="invoices", codename=CODENAME)
    for group in apps.get_model("auth", "Group").objects.filter(name=BILLING_ADMINISTRATORS):
        group.permissions.add(permission)


def revoke_view(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=BILLING_ADMINISTRATORS):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="invoices", codename=CODENAME)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clients", "0003_staff_groups"),
        ("invoices", "0003_invoice_events"),
    ]

    operations = [migrations.RunPython(grant_view, revoke_view)]
