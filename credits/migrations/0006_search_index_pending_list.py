from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

from billing_admin.migration_helpers import set_gin_pending_list_limit


class Migration(migrations.Migration):
    """The search indexes' pending list capped at 256 kB (billing_admin.search_indexes)."""

    dependencies = [("credits", "0005_credit_entry_overpayment_reversed")]

    operations = [
        set_gin_pending_list_limit(
            "creditentry",
            GinIndex(
                SearchVector("description", config="simple"),
                gin_pending_list_limit=256,
                name="creditentry_description_fts",
            ),
        ),
    ]
