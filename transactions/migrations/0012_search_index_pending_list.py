from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

from billing_admin.migration_helpers import set_gin_pending_list_limit


class Migration(migrations.Migration):
    """The search indexes' pending list capped at 256 kB (billing_admin.search_indexes)."""

    dependencies = [("transactions", "0011_transaction_overpayment")]

    operations = [
        set_gin_pending_list_limit(
            "transaction",
            GinIndex(
                SearchVector("description", "client_name", "client_company", config="simple"),
                gin_pending_list_limit=256,
                name="txn_text_search_idx",
            ),
        ),
    ]
