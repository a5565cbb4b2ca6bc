from django.db import migrations

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from billing_admin.migration_helpers import set_gin_pending_list_limit


class Migration(migrations.Migration):
    """The search indexes' pending list capped at 256 kB (billing_admin.search_indexes)."""

    dependencies = [("credits", "0005_credit_entry_overpayment_reversed")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                set_gin_pending_list_limit("creditentry_description_fts", kilobytes=256)
            ],
            state_operations=[
                migrations.RemoveIndex(
                    model_name="creditentry",
                    name="creditentry_description_fts",
                ),
                migrations.AddIndex(
                    model_name="creditentry",
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.search.SearchVector("description", config="simple"),
                        gin_pending_list_limit=256,
                        name="creditentry_description_fts",
                    ),
                ),
            ],
        )
    ]
