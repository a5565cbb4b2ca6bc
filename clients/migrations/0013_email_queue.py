"""Client email goes through a queue: the log row is the queued message (its rendered content,
status, attempts, last error and times), and staff may retry and resend. Existing rows were
sent or failed in the request; they keep that status."""

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F

from billing_admin.migration_helpers import (
    BILLING_ADMINISTRATORS,
    grant_permissions,
    revoke_permissions,
)

SEND_PERMISSION = {
    "group": BILLING_ADMINISTRATORS,
    "app_label": "clients",
    "codenames": ["send_client_email"],
}


def describe_existing_emails(apps, schema_editor):
    # Every email so far was the welcome email; those that went out were sent when logged.
    EmailLog = apps.get_model("clients", "EmailLog")
    EmailLog.objects.update(kind=F("template"))
    EmailLog.objects.filter(status="sent").update(sent_at=F("created_at"))


def grant_send_permission(apps, schema_editor):
    grant_permissions(apps, **SEND_PERMISSION)


def revoke_send_permission(apps, schema_editor):
    revoke_permissions(apps, **SEND_PERMISSION)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0011_client_credit_policy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="emaillog",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [("send_client_email", "Can retry and resend client emails")],
            },
        ),
        migrations.AddField(
            model_name="emaillog",
            name="actor_label",
            field=models.CharField(blank=True, max_length=150, verbose_name="queued by"),
        ),
        migrations.AddField(
            model_name="emaillog",
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
            model_name="emaillog",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="emaillog",
            name="body_html",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="emaillog",
            name="body_text",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="emaillog",
            name="cc",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.EmailField(max_length=254), blank=True, default=list, size=None
            ),
        ),
        migrations.AddField(
            model_name="emaillog",
            name="from_email",
            field=models.CharField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="emaillog",
            name="kind",
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AddField(
            model_name="emaillog",
            name="last_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="emaillog",
            name="lease_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="emaillog",
            name="message_id",
            field=models.CharField(blank=True, max_length=255),
        ),
        migrations.AddField(
            model_name="emaillog",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="emaillog",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="emaillog",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="queued at"),
        ),
        migrations.AlterField(
            model_name="emaillog",
            name="error",
            field=models.TextField(blank=True, verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="emaillog",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("sending", "Sending"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                ],
                default="queued",
                max_length=7,
            ),
        ),
        migrations.AddIndex(
            model_name="emaillog",
            index=models.Index(fields=["-created_at", "-id"], name="emaillog_created_idx"),
        ),
        migrations.AddIndex(
            model_name="emaillog",
            index=models.Index(fields=["status", "-created_at"], name="emaillog_status_idx"),
        ),
        migrations.AddIndex(
            model_name="emaillog",
            index=models.Index(fields=["kind", "-created_at"], name="emaillog_kind_idx"),
        ),
        migrations.AddIndex(
            model_name="emaillog",
            index=models.Index(
                condition=models.Q(("status", "sending")),
                fields=["lease_until"],
                name="emaillog_sending_lease_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="emaillog",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["queued", "sending", "sent", "failed"])),
                name="emaillog_status_valid",
            ),
        ),
        migrations.RunPython(describe_existing_emails, migrations.RunPython.noop),
        migrations.RunPython(grant_send_permission, revoke_send_permission),
    ]
