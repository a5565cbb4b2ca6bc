"""History records a merge on the client it went into."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0012_client_merge_and_export"),
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
                    ("merged", "Client merged in"),
                ],
                max_length=20,
            ),
        ),
    ]
