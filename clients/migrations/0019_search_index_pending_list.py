from django.contrib.postgres.indexes import GinIndex
from django.db import migrations

from billing_admin.migration_helpers import set_gin_pending_list_limit


class Migration(migrations.Migration):
    """The search indexes' pending list capped at 256 kB (billing_admin.search_indexes)."""

    dependencies = [("clients", "0018_client_name_prefix_indexes")]

    operations = [
        set_gin_pending_list_limit(
            "client",
            GinIndex(
                fields=["search_vector"], gin_pending_list_limit=256, name="client_name_search_idx"
            ),
        ),
        set_gin_pending_list_limit(
            "contact",
            GinIndex(
                fields=["search_vector"], gin_pending_list_limit=256, name="contact_name_search_idx"
            ),
        ),
    ]
