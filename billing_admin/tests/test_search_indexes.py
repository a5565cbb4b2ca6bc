"""The full-text search indexes keep a short pending list (billing_admin.search_indexes)."""

import pytest
from django.db import connection

from billing_admin.search_indexes import PENDING_LIST_KB

pytestmark = pytest.mark.django_db

SEARCH_INDEXES = [
    "client_name_search_idx",
    "contact_name_search_idx",
    "creditentry_description_fts",
    "txn_text_search_idx",
]


def test_every_gin_index_has_the_short_pending_list():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT index.relname, index.reloptions FROM pg_class index"
            " JOIN pg_am method ON method.oid = index.relam"
            " WHERE method.amname = 'gin' AND index.relnamespace = 'public'::regnamespace"
        )
        options = dict(cursor.fetchall())

    assert sorted(options) == sorted(SEARCH_INDEXES)
    assert all(
        f"gin_pending_list_limit={PENDING_LIST_KB}" in (settings or [])
        for settings in options.values()
    )
