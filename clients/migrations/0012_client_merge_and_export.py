"""CSV export and import of the client list: their permissions (Billing administrators get them)
and the record of each import."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from billing_admin.migration_helpers import (
    BILLING_ADMINISTRATORS,
    grant_permissions,
    revoke_permissions,
)

CODENAMES = ["export_clients", "import_clients", "view_clientimport"]


def grant(apps, schema_editor):
    grant_permissions(apps, group=BILLING_ADMINISTRATORS, app_label="clients", codenames=CODENAMES)


def revoke(apps, schema_editor):
    revoke_permissions(apps, group=BILLING_ADMINISTRATORS, app_label="clients", codenames=CODENAMES)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0010_contacts_and_notes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
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
                    ("export_clients", "Can export the client list as CSV"),
                    ("import_clients", "Can import clients from CSV"),
                ],
            },
        ),
        migrations.CreateModel(
            name="ClientImport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("actor_label", models.CharField(max_length=150, verbose_name="by")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("filename", models.CharField(max_length=255)),
                ("content", models.TextField(blank=True)),
                ("update_existing", models.BooleanField(default=False)),
                ("skip_invalid", models.BooleanField(default=False)),
                ("send_welcome_email", models.BooleanField(default=False)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("previewed", "Previewed"),
                            ("imported", "Imported"),
                            ("refused", "Refused"),
                        ],
                        default="previewed",
                        max_length=9,
                    ),
                ),
                ("report", models.JSONField(blank=True, default=dict)),
                ("rejects_csv", models.TextField(blank=True)),
                ("imported_at", models.DateTimeField(blank=True, null=True)),
                (
                    "actor_user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
