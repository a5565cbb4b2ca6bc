"""Data protection: a client can be anonymised (its own permission, an ``anonymised`` history
entry, ``anonymised_at``), its data exported (a permission and a record of each export), and
the retention run's index. Billing administrators get both permissions; Support staff neither."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from billing_admin.migration_helpers import (
    BILLING_ADMINISTRATORS,
    grant_permissions,
    revoke_permissions,
)

PERMISSIONS = ["anonymise_client", "export_client_data", "view_clientdataexport"]


def grant(apps, schema_editor):
    grant_permissions(
        apps, group=BILLING_ADMINISTRATORS, app_label="clients", codenames=PERMISSIONS
    )


def revoke(apps, schema_editor):
    revoke_permissions(
        apps, group=BILLING_ADMINISTRATORS, app_label="clients", codenames=PERMISSIONS
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0017_clientevent_kind_merged"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ClientDataExport",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("actor_label", models.CharField(max_length=150, verbose_name="by")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("reason", models.CharField(max_length=500, verbose_name="stated reason")),
                ("format_version", models.PositiveSmallIntegerField()),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
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
                    ("anonymise_client", "Can anonymise clients (erase their personal data)"),
                    ("export_client_data", "Can export a client's data"),
                ],
            },
        ),
        migrations.AddField(
            model_name="client",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name="clientevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("status_changed", "Status changed"),
                    ("balance_adjusted", "Credit balance edited by hand"),
                    ("profile_changed", "Profile changed"),
                    ("contact_added", "Contact added"),
                    ("contact_changed", "Contact changed"),
                    ("contact_removed", "Contact removed"),
                    ("note_edited", "Note edited"),
                    ("note_deleted", "Note deleted"),
                    ("merged", "Client merged in"),
                    ("anonymised", "Personal data erased"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                condition=models.Q(("anonymised_at__isnull", True)),
                fields=["status", "updated_at"],
                name="client_retention_idx",
            ),
        ),
        migrations.AddField(
            model_name="clientdataexport",
            name="actor_user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="clientdataexport",
            name="client",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="data_exports",
                to="clients.client",
            ),
        ),
        migrations.AddIndex(
            model_name="clientdataexport",
            index=models.Index(fields=["client", "-created_at"], name="clientexport_client_idx"),
        ),
        migrations.RunPython(grant, revoke),
    ]
