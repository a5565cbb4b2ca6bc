"""The two staff groups: "Billing administrators" (everything) and "Support staff"."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

BILLING_ADMINISTRATORS = "Billing administrators"
SUPPORT_STAFF = "Support staff"
BILLING_APPS = ["clients", "credits", "invoices", "transactions"]
# View and add clients and edit their contact details; no status, credit, balance or delete.
SUPPORT_PERMISSIONS = ["view_client", "add_client", "change_client", "view_clientgroup"]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admins, _ = Group.objects.get_or_create(name=BILLING_ADMINISTRATORS)
    admins.permissions.add(*Permission.objects.filter(content_type__app_label__in=BILLING_APPS))
    support, _ = Group.objects.get_or_create(name=SUPPORT_STAFF)
    support.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="clients", codename__in=SUPPORT_PERMISSIONS
        )
    )


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=[BILLING_ADMINISTRATORS, SUPPORT_STAFF]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clients", "0002_search_indexes"),
        ("credits", "0001_initial"),
        ("invoices", "0002_invoice_permissions"),
        ("transactions", "0003_fk_on_delete_set_null"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
