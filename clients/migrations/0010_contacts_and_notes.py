"""Contacts and the notes log. The single free-text ``Client.notes`` becomes each client's first
note (set-based, one statement however many clients), then the field goes. Billing
administrators get every new permission; Support staff manage contacts and their own notes."""

import billing_admin.iso_codes
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

BILLING_ADMINISTRATORS = "Billing administrators"
SUPPORT_STAFF = "Support staff"
NEW_PERMISSIONS = [
    f"{verb}_{model}"
    for model in ("contact", "clientnote")
    for verb in ("view", "add", "change", "delete")
]
ADMIN_ONLY_PERMISSIONS = ["change_others_clientnote"]

# The migrated note is dated by the client's last change: the text was last edited then at latest.
COPY_NOTES_INTO_LOG = """
    INSERT INTO clients_clientnote (client_id, text, sticky, author_label, created_at)
    SELECT id, notes, false, 'system', updated_at FROM clients_client WHERE notes <> ''
"""
# Backwards: the log, oldest first, back into the one field.
COPY_LOG_INTO_NOTES = """
    UPDATE clients_client AS c SET notes = n.text
    FROM (
        SELECT client_id, string_agg(text, E'\\n\\n' ORDER BY created_at, id) AS text
        FROM clients_clientnote GROUP BY client_id
    ) AS n
    WHERE n.client_id = c.id
"""


def grant_permissions(apps, schema_editor):
    clients_app = apps.get_app_config("clients")
    clients_app.models_module = True
    create_permissions(clients_app, apps=apps, verbosity=0)
    clients_app.models_module = None
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    permissions = Permission.objects.filter(content_type__app_label="clients")
    admins, _ = Group.objects.get_or_create(name=BILLING_ADMINISTRATORS)
    admins.permissions.add(
        *permissions.filter(codename__in=NEW_PERMISSIONS + ADMIN_ONLY_PERMISSIONS)
    )
    support, _ = Group.objects.get_or_create(name=SUPPORT_STAFF)
    support.permissions.add(*permissions.filter(codename__in=NEW_PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0009_choices_by_reference"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
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
                ],
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="ClientNote",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "text",
                    models.TextField(
                        validators=[
                            django.core.validators.MaxLengthValidator(10000),
                            django.core.validators.ProhibitNullCharactersValidator(),
                        ]
                    ),
                ),
                (
                    "sticky",
                    models.BooleanField(
                        default=False, help_text="Show as a warning on every page about the client."
                    ),
                ),
                ("author_label", models.CharField(max_length=150, verbose_name="by")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("edited_at", models.DateTimeField(blank=True, null=True)),
                (
                    "author",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="client_notes",
                        to="clients.client",
                    ),
                ),
            ],
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("change_others_clientnote", "Can edit and delete other staff's client notes")
                ],
                "indexes": [
                    models.Index(fields=["client", "-created_at"], name="clientnote_client_idx"),
                    models.Index(
                        condition=models.Q(("sticky", True)),
                        fields=["client"],
                        name="clientnote_sticky_idx",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Contact",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("first_name", models.CharField(max_length=100)),
                ("last_name", models.CharField(blank=True, max_length=100)),
                ("company_name", models.CharField(blank=True, max_length=200)),
                ("email", models.EmailField(max_length=254)),
                ("phone_number", models.CharField(blank=True, max_length=32)),
                (
                    "address1",
                    models.CharField(blank=True, max_length=200, verbose_name="address line 1"),
                ),
                (
                    "address2",
                    models.CharField(blank=True, max_length=200, verbose_name="address line 2"),
                ),
                ("city", models.CharField(blank=True, max_length=100)),
                (
                    "state",
                    models.CharField(blank=True, max_length=100, verbose_name="state/region"),
                ),
                ("postcode", models.CharField(blank=True, max_length=20)),
                (
                    "country",
                    models.CharField(
                        blank=True, choices=billing_admin.iso_codes.country_choices, max_length=2
                    ),
                ),
                (
                    "general_emails",
                    models.BooleanField(default=False, verbose_name="receives general emails"),
                ),
                (
                    "invoice_emails",
                    models.BooleanField(default=False, verbose_name="receives invoice emails"),
                ),
                (
                    "statement_emails",
                    models.BooleanField(default=False, verbose_name="receives statement emails"),
                ),
                (
                    "is_billing_contact",
                    models.BooleanField(default=False, verbose_name="billing contact"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "search_vector",
                    models.GeneratedField(
                        db_persist=True,
                        expression=django.contrib.postgres.search.SearchVector(
                            "first_name", "last_name", "company_name", config="simple"
                        ),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                    ),
                ),
                (
                    "client",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contacts",
                        to="clients.client",
                    ),
                ),
            ],
            options={
                "ordering": ["first_name", "last_name", "id"],
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["search_vector"], name="contact_name_search_idx"
                    ),
                    models.Index(
                        django.contrib.postgres.indexes.OpClass(
                            django.db.models.functions.text.Lower("email"), name="text_pattern_ops"
                        ),
                        name="contact_email_prefix_idx",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        models.F("client"),
                        django.db.models.functions.text.Lower("email"),
                        name="contact_email_per_client_unique",
                        violation_error_message="This client already has a contact with this email address.",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("is_billing_contact", True)),
                        fields=("client",),
                        name="contact_one_billing_per_client",
                        violation_error_message="This client already has a billing contact.",
                    ),
                ],
            },
        ),
        migrations.RunSQL(COPY_NOTES_INTO_LOG, COPY_LOG_INTO_NOTES),
        migrations.RemoveField(
            model_name="client",
            name="notes",
        ),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
