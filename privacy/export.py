"""A client's data as one JSON document, streamed: everything the database holds about the
client, model by model as ``billing_admin.personal_data`` declares (GDPR Art. 15 and 20).

The layout (version ``EXPORT_VERSION``, described in docs/data-export.md)::

    {"format": "billing_admin.client_data", "version": 1, "client_id": 7,
     "exported_at": "2026-12-05T09:00:00+00:00",
     "tables": {"clients.Client": [{...}], "clients.ClientEvent": [...], ...}}

Each table is a list of rows, each row every stored column of the model by field name (foreign
keys as ``<name>_id``). One query per table, read through a server-side cursor in chunks, and
written out as it is read: the number of queries and the memory used do not grow with the
client's size.
"""

import json
from collections.abc import Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from billing_admin.personal_data import holders
from privacy.services import EXPORT_VERSION

EXPORT_FORMAT = "billing_admin.client_data"
CHUNK_ROWS = 2000


def _columns(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields if not field.generated]


def export_tables():
    """(label, holder) of each table in the export, the client's own record first."""
    tables = [(model._meta.label, holder) for model, holder in holders().items() if holder.exported]
    return sorted(tables, key=lambda table: (table[0] != "clients.Client", table[0]))


def client_export_chunks(client_id: int) -> Iterator[str]:
    """The export as pieces of JSON text, to write or stream one after another."""
    encoder = DjangoJSONEncoder(ensure_ascii=False)
    header = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "client_id": client_id,
        "exported_at": timezone.now(),
    }
    yield encoder.encode(header)[:-1] + ', "tables": {'
    for index, (label, holder) in enumerate(export_tables()):
        yield f"{', ' if index else ''}{json.dumps(label)}: ["
        rows = (
            holder.client_rows([client_id])
            .order_by("pk")
            .values(*_columns(holder.model_class))
            .iterator(chunk_size=CHUNK_ROWS)
        )
        separator = ""
        batch = []
        for row in rows:
            batch.append(separator + encoder.encode(row))
            separator = ", "
            if len(batch) == CHUNK_ROWS:
                yield "".join(batch)
                batch = []
        yield "".join(batch) + "]"
    yield "}}\n"


def export_filename(client_id: int) -> str:
    return f"client-{client_id}-data-{timezone.localdate():%Y%m%d}.json"
