from django.db import migrations

import django.contrib.postgres.indexes

from billing_admin.migration_helpers import set_gin_pending_list_limit


class Migration(migrations.Migration):
    """The search indexes' pending list capped at 256 kB (billing_admin.search_indexes)."""

    dependencies = [("clients", "0018_client_name_prefix_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                set_gin_pending_list_limit(
                    "client_name_search_idx", "contact_name_search_idx", kilobytes=256
                )
            ],
            state_operations=[
                migrations.RemoveIndex(
                    model_name="client",
                    name="client_name_search_idx",
                ),
                migrations.RemoveIndex(
                    model_name="contact",
                    name="contact_name_search_idx",
                ),
                migrations.AddIndex(
                    model_name="client",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["search_vector"],
                        gin_pending_list_limit=256,
                        name="client_name_search_idx",
                    ),
                ),
                migrations.AddIndex(
                    model_name="contact",
                    index=django.contrib.postgres.indexes.GinIndex(
                        fields=["search_vector"],
                        gin_pending_list_limit=256,
                        name="contact_name_search_idx",
                    ),
                ),
            ],
        )
    ]
