"""Client list CSV: the streamed export against COPY ... TO STDOUT of the same columns, and the
validated import against COPY ... FROM STDIN of the same rows."""

import io
import tracemalloc

from django.db import connection, transaction

from bench.harness import Result
from bench.operations import Context, _service, _vacuum, guarded

IMPORT_ROWS = 100_000
IMPORT_HEADER = (
    "First Name,Last Name,Company Name,Email,Phone Number,Address 1,City,State,Postcode,Country"
)


def _export_lines() -> int:
    from clients.csv_export import client_csv_chunks, export_columns
    from clients.models import Client

    lines = 0
    for chunk in client_csv_chunks(Client.objects.all(), export_columns()):
        lines += chunk.count("\n")
    return lines


def _copy_out() -> None:
    """COPY of the same columns, custom field values included, unformatted and unguarded."""
    from clients.csv_export import EXPORT_COLUMNS
    from customfields.models import CustomField

    columns = [
        "g.name" if column.key == "group" else f"c.{column.key}" for column in EXPORT_COLUMNS
    ]
    joins = []
    for field_id in CustomField.objects.values_list("pk", flat=True):
        columns.append(f"v{field_id}.value")
        joins.append(
            f"LEFT JOIN customfields_customfieldvalue v{field_id} "
            f"ON v{field_id}.client_id = c.id AND v{field_id}.field_id = {field_id}"
        )
    sink = io.StringIO()
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY (SELECT {', '.join(columns)} FROM clients_client c LEFT JOIN "
            f"clients_clientgroup g ON g.id = c.group_id {' '.join(joins)} ORDER BY c.id) "
            "TO STDOUT WITH CSV HEADER",
            sink,
        )
        sink.truncate(0)


@guarded
def export_clients(ctx: Context) -> Result:
    """export every client as CSV (streamed)"""
    result = Result(operation="export every client as CSV", target="ratio <= 3", max_ratio=3)
    result.ours_ms, result.queries, result.baseline_ms, result.baseline_queries = (
        ctx.heavy_timer.compare(lambda: transaction.atomic()(_export_lines)(), _copy_out)
    )
    # Python's own peak during one export: what must not grow with the number of clients.
    tracemalloc.start()
    rows = transaction.atomic()(_export_lines)()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    median_s = (result.ours_median or 0) / 1000
    result.figures.update(
        rows=rows - 1,
        rows_per_s=round((rows - 1) / median_s) if median_s else 0,
        python_peak_kib=round(peak / 1024),
    )
    return result


def _import_text(rows: int) -> str:
    lines = [IMPORT_HEADER]
    lines += [
        f"Bench,Import{n},Importers Ltd,bench.import{n}@import.example,+44.20{n:08d},"
        f"{n} Import Road,London,London,EC1A 1BB,GB"
        for n in range(rows)
    ]
    return "\n".join(lines) + "\n"


@guarded
def import_clients(ctx: Context) -> Result:
    """import 100,000 clients from CSV"""
    clients_import = _service("clients.services", "clients_import")
    rows = min(IMPORT_ROWS, max(ctx.dataset.clients, 1000))
    text = _import_text(rows)
    copy_rows = "\n".join(
        f"Bench\tImport{n}\tImporters Ltd\tbench.import{n}@import.example\t+44.20{n:08d}\t"
        f"{n} Import Road\t\tLondon\tLondon\tEC1A 1BB\tGB\tUSD\t\tActive\tf\tf\tf\t0.00\tnow\tnow"
        for n in range(rows)
    )

    def ours() -> None:
        result = clients_import(text, actor=None)
        if result.created != rows:
            raise RuntimeError(f"imported {result.created} of {rows}: {result.problems[:3]}")

    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.copy_expert(
                "COPY clients_client (first_name, last_name, company_name, email, phone_number, "
                "address1, address2, city, state, postcode, country, currency, language, status, "
                "marketing_opt_in, tax_exempt, override_auto_close, credit_balance, created_at, "
                "updated_at) FROM STDIN",
                io.StringIO(copy_rows),
            )

    result = Result(
        operation=f"import {rows:,} clients from CSV", target="ratio <= 10", max_ratio=10
    )
    result.ours_ms, result.queries, result.baseline_ms, result.baseline_queries = (
        ctx.heavy_timer.compare(
            ours, baseline, rollback=True, after=_vacuum("clients_client", "clients_clientevent")
        )
    )
    median_s = (result.ours_median or 0) / 1000
    result.figures.update(rows=rows, rows_per_s=round(rows / median_s) if median_s else 0)
    return result


CSV_OPERATIONS = {"export-csv": export_clients, "import-csv": import_clients}
