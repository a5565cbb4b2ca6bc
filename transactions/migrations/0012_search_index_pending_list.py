from django.db import migrations

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from billing_admin.migration_helpers import set_gin_pending_list_limit


class Migration(migrations.Migration):
    """The search indexes' pending list capped at 256 kB (billing_admin.search_indexes)."""

    dependencies = [("transactions", "0011_transaction_overpayment")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[set_gin_pending_list_limit("txn_text_search_idx", kilobytes=256)],
            state_operations=[
                migrations.RemoveIndex(
                    model_name="transaction",
                    name="txn_text_search_idx",
                ),
                migrations.AddIndex(
                    model_name="transaction",
                    index=django.contrib.postgres.indexes.GinIndex(
                        django.contrib.postgres.search.SearchVector(
                            "description", "client_name", "client_company", config="simple"
                        ),
                        gin_pending_list_limit=256,
                        name="txn_text_search_idx",
                    ),
                ),
            ],
        )
    ]
