import django.db.models.deletion
from django.db import migrations, models

# Only the two indexes go. AlterField alone would also drop and re-add the foreign key, which
# re-checks every credit entry under a lock: minutes on a large ledger, for no change.
DROP_INDEXES = """
DROP INDEX IF EXISTS credits_creditentry_client_id_34dfa540;
DROP INDEX IF EXISTS credits_creditentry_created_at_3f81501b;
"""
RESTORE_INDEXES = """
CREATE INDEX credits_creditentry_client_id_34dfa540 ON credits_creditentry (client_id);
CREATE INDEX credits_creditentry_created_at_3f81501b ON credits_creditentry (created_at);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0009_choices_by_reference"),
        ("credits", "0003_creditentry_request_key"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(DROP_INDEXES, RESTORE_INDEXES)],
            state_operations=[
                migrations.AlterField(
                    model_name="creditentry",
                    name="client",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="credit_entries",
                        to="clients.client",
                    ),
                ),
                migrations.AlterField(
                    model_name="creditentry",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True),
                ),
            ],
        ),
    ]
