"""Client merges: the record that keeps a merged client's id resolving, and who may merge
(Billing administrators)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from billing_admin.migration_helpers import (
    BILLING_ADMINISTRATORS,
    grant_permissions,
    revoke_permissions,
)

CODENAMES = ["merge_clients", "view_clientmerge"]


def grant(apps, schema_editor):
    grant_permissions(apps, group=BILLING_ADMINISTRATORS, app_label="merges", codenames=CODENAMES)


def revoke(apps, schema_editor):
    revoke_permissions(apps, group=BILLING_ADMINISTRATORS, app_label="merges", codenames=CODENAMES)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("clients", "0017_clientevent_kind_merged"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ClientMerge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("actor_label", models.CharField(max_length=150, verbose_name="by")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("source_id", models.BigIntegerField(unique=True)),
                ("source_name", models.CharField(max_length=320)),
                ("source_email", models.EmailField(max_length=254)),
                ("moved_counts", models.JSONField(blank=True, default=dict)),
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
                (
                    "target",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="merged_clients",
                        to="clients.client",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at"],
                "permissions": [("merge_clients", "Can merge one client into another")],
            },
        ),
        migrations.RunPython(grant, revoke),
    ]
