"""The benchmarked operations: each times our code path and a hand-written SQL baseline.

Our side goes through the paths users take (admin pages through the test client with a logged-in
superuser, the services the admin and commands call). The baseline is the physical floor: the SQL
a careful engineer would write by hand for the same result, on the same connection, in the same
run. Operations that write run inside a transaction that is rolled back, so every repetition does
the same work; the rolled-back row versions are vacuumed away (untimed) before the next one.
"""

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.concurrency import RAW_ADD_CREDIT, run_concurrently
from bench.dataset import (
    CONTACT_EMAIL_PREFIX,
    CUSTOM_PLAN_FIELD_ID,
    CUSTOM_VAT_FIELD_ID,
    Dataset,
    vacuum_analyze,
)
from bench.harness import Result, Timer


@dataclass
class Context:
    dataset: Dataset
    timer: Timer
    heavy_timer: Timer  # fewer repetitions for the operations that take seconds
    http: HttpClient
    workers: int
    credit_ops: int


def _sql(statements: list[tuple[str, list]] | str) -> Callable[[], None]:
    """A baseline: run the statements on the Django connection, fetching what they return."""
    if isinstance(statements, str):
        statements = [(statements, [])]

    def run() -> None:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description is not None:
                    cursor.fetchall()

    return run


def _get(http: HttpClient, url: str) -> Callable[[], None]:
    def run() -> None:
        response = http.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        response.content  # noqa: B018 - render everything, as a browser would receive it

    return run


def _service(module: str, name: str) -> Callable:
    """The service under test; a clear error while its issue has not landed yet."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise LookupError(f"{module}.{name} is not available yet ({exc})") from exc


def _vacuum(*tables: str) -> Callable[[], None]:
    return lambda: vacuum_analyze(tables)


def guarded(fn: Callable[[Context], Result]) -> Callable[[Context], Result]:
    """An operation that fails (missing code, a 500) is reported as an error row, not a crash."""

    def run(ctx: Context) -> Result:
        try:
            return fn(ctx)
        except Exception as exc:  # noqa: BLE001 - the table must still be printed
            result = Result(operation=fn.__doc__.splitlines()[0], target="")
            result.error = f"{type(exc).__name__}: {exc}"
            return result

    run.__name__ = fn.__name__
    return run


# -- admin pages -------------------------------------------------------------------------------

CHANGELIST_COLUMNS = (
    "c.id, c.first_name, c.last_name, c.company_name, c.email, c.status, c.country, "
    "c.credit_balance, c.created_at, g.name"
)
ESTIMATED_COUNT = (
    "SELECT reltuples::bigint FROM pg_class WHERE oid = 'clients_client'::regclass",
    [],
)


def _changelist_sql(where: str = "TRUE", params: list | None = None) -> list[tuple[str, list]]:
    from django.contrib import admin

    from clients.models import Client

    page_size = admin.site._registry[Client].list_per_page
    return [
        ESTIMATED_COUNT,
        (
            f"SELECT {CHANGELIST_COLUMNS} FROM clients_client c "
            f"LEFT JOIN clients_clientgroup g ON g.id = c.group_id WHERE {where} "
            f"ORDER BY c.id DESC LIMIT {page_size}",
            params or [],
        ),
    ]


def _page_result(ctx: Context, operation: str, url: str, baseline, *, max_ms: float) -> Result:
    result = Result(operation=operation, target=f"<= {max_ms:.0f} ms", max_median_ms=max_ms)
    result.ours_ms, result.queries, result.baseline_ms, result.baseline_queries = ctx.timer.compare(
        _get(ctx.http, url), baseline
    )
    # How much of the page is the database: the rest is Python (view, template, middleware).
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        _get(ctx.http, url)()
        elapsed = (time.perf_counter() - started) * 1000
    sql_ms = sum(float(q["time"]) for q in captured.captured_queries) * 1000
    result.figures.update(page_ms=round(elapsed, 1), of_which_sql_ms=round(sql_ms, 1))
    return result


def _query_count(ctx: Context, url: str) -> int:
    return Timer(repeat=0, warmup=1).count_queries(_get(ctx.http, url))


@guarded
def admin_client_list(ctx: Context) -> Result:
    """admin client list, page 1, default sort"""
    url = reverse("admin:clients_client_changelist")
    result = _page_result(ctx, "admin client list, page 1", url, _sql(_changelist_sql()), max_ms=60)
    # Constant: a full page and a page of a handful cost the same number of queries.
    few_rows = _query_count(ctx, f"{url}?id__gt={ctx.dataset.large_client_id - 5}")
    result.checks["constant queries"] = few_rows == result.queries
    result.target += ", constant queries"
    return result


def _search(ctx: Context, label: str, term: str, where: str, params: list) -> Result:
    url = reverse("admin:clients_client_changelist") + f"?q={term}"
    baseline = _sql(_changelist_sql(where, params))
    return _page_result(ctx, f"admin search, {label} ({term!r})", url, baseline, max_ms=80)


@guarded
def admin_search_email_prefix(ctx: Context) -> Result:
    """admin search by email prefix"""
    # A prefix that narrows to a handful of the million: how staff look a client up by email.
    prefix = "olivia.smith10"
    return _search(ctx, "email prefix", prefix, "lower(c.email) LIKE %s", [prefix + "%"])


@guarded
def admin_search_name_word(ctx: Context) -> Result:
    """admin search by name word"""
    # A surname shared by ~1% of clients: the page must not scan or count them all.
    word = "Castillo"
    return _search(
        ctx,
        "name word",
        word,
        "(lower(c.first_name) = %s OR lower(c.last_name) = %s)",
        [word.lower(), word.lower()],
    )


@guarded
def admin_search_company(ctx: Context) -> Result:
    """admin search by company"""
    word = "Northwind"
    return _search(ctx, "company", word, "lower(c.company_name) LIKE %s", [word.lower() + " %"])


@guarded
def admin_search_contact_email(ctx: Context) -> Result:
    """admin search by a contact's email prefix"""
    # Client i's contact is billing<i>@...: this prefix finds one client in the middle of the
    # table (and the few whose number starts with it), through the contacts' email index.
    prefix = f"{CONTACT_EMAIL_PREFIX}{ctx.dataset.clients // 2 + 7}"
    return _search(
        ctx,
        "contact email prefix",
        prefix,
        "c.id IN (SELECT client_id FROM clients_contact WHERE lower(email) LIKE %s)",
        [prefix + "%"],
    )


CUSTOM_PLAN_FILTER = f"?cf{CUSTOM_PLAN_FIELD_ID}=Platinum"
# A hundred clients (12,300-12,399) have a VAT number starting with this.
CUSTOM_VAT_PREFIX = "GB0000123"


@guarded
def admin_filter_custom_dropdown(ctx: Context) -> Result:
    """admin list filtered by a custom drop-down field"""
    # 5% of clients: the page walks the newest clients and probes each one's value.
    url = reverse("admin:clients_client_changelist") + CUSTOM_PLAN_FILTER
    where = (
        "EXISTS (SELECT 1 FROM customfields_customfieldvalue v WHERE v.client_id = c.id "
        "AND v.field_id = %s AND v.value = %s)"
    )
    baseline = _sql(_changelist_sql(where, [CUSTOM_PLAN_FIELD_ID, "Platinum"]))
    label = "admin list, custom drop-down filter ('Platinum')"
    return _page_result(ctx, label, url, baseline, max_ms=60)


@guarded
def admin_search_custom_text(ctx: Context) -> Result:
    """admin search by a searchable custom text field"""
    where = (
        "c.id IN (SELECT client_id FROM customfields_customfieldvalue "
        "WHERE field_id = %s AND lower(left(value, 100)) LIKE %s)"
    )
    params = [CUSTOM_VAT_FIELD_ID, CUSTOM_VAT_PREFIX.lower() + "%"]
    return _search(ctx, "custom text field prefix", CUSTOM_VAT_PREFIX, where, params)


SUMMARY_URL_NAMES = ("admin:clients_client_summary", "admin:clients_client_change")


def _summary_url(client_id: int) -> str:
    for name in SUMMARY_URL_NAMES:
        try:
            return reverse(name, args=[client_id])
        except NoReverseMatch:
            continue
    raise LookupError("no client summary page is registered")


SUMMARY_SQL = [
    (
        "SELECT c.*, g.name FROM clients_client c LEFT JOIN clients_clientgroup g "
        "ON g.id = c.group_id WHERE c.id = %(id)s",
        None,
    ),
    (
        "SELECT status, count(*), sum(total), sum(total - credit_applied - amount_paid) "
        "FROM invoices_invoice WHERE client_id = %(id)s GROUP BY status",
        None,
    ),
    (
        "SELECT status, count(*) FROM invoices_clientservice WHERE client_id = %(id)s "
        "GROUP BY status",
        None,
    ),
    (
        "SELECT count(*), sum(amount_in), sum(fees), sum(amount_out) "
        "FROM transactions_transaction WHERE client_id = %(id)s",
        None,
    ),
    (
        "SELECT * FROM credits_creditentry WHERE client_id = %(id)s "
        "ORDER BY date DESC, id DESC LIMIT 10",
        None,
    ),
    (
        "SELECT * FROM invoices_invoice WHERE client_id = %(id)s "
        "ORDER BY date DESC, id DESC LIMIT 10",
        None,
    ),
    (
        "SELECT * FROM clients_clientevent WHERE client_id = %(id)s "
        "ORDER BY created_at DESC, id DESC LIMIT 10",
        None,
    ),
]


@guarded
def client_summary_large(ctx: Context) -> Result:
    """client summary page, the large client"""
    large = ctx.dataset.large_client_id
    url = _summary_url(large)
    baseline = _sql([(sql, {"id": large}) for sql, _ in SUMMARY_SQL])
    result = _page_result(ctx, "client summary, large client", url, baseline, max_ms=80)
    result.checks["constant queries"] = _query_count(ctx, _summary_url(1)) == result.queries
    result.target += ", constant queries"
    result.figures["url"] = url
    return result


# -- bulk status -------------------------------------------------------------------------------

BULK_NEW_STATUS = "Inactive"


@guarded
def bulk_set_status(ctx: Context) -> Result:
    """set_client_status for clients selected by filter"""
    from clients.models import Client

    bulk_set = _service("clients.services", "clients_bulk_set_status")
    country = ctx.dataset.bulk_country
    selected = Client.objects.filter(country=country)
    changed = selected.exclude(status=BULK_NEW_STATUS).count()
    result = Result(
        operation=f"bulk set status, {changed:,} of {ctx.dataset.bulk_selected:,} filtered clients",
        target="ratio <= 2",
        max_ratio=2,
    )

    def ours() -> None:
        bulk_set(clients=Client.objects.filter(country=country), status=BULK_NEW_STATUS, actor=None)

    baseline = _sql(
        [
            (
                """
                WITH target AS (
                    SELECT id, status FROM clients_client
                    WHERE country = %(country)s AND status <> %(status)s ORDER BY id FOR UPDATE
                ), changed AS (
                    UPDATE clients_client c SET status = %(status)s, updated_at = now()
                    FROM target t WHERE c.id = t.id RETURNING c.id, t.status AS old_status
                )
                INSERT INTO clients_clientevent (actor_user_id, actor_label, created_at, client_id,
                    kind, field, old_value, new_value, balance_delta)
                SELECT NULL, 'system', now(), id, 'status_changed', 'status', old_status,
                       %(status)s, NULL FROM changed
                """,
                {"country": country, "status": BULK_NEW_STATUS},
            )
        ]
    )
    after = _vacuum("clients_client", "clients_clientevent")
    result.ours_ms, result.queries, result.baseline_ms, result.baseline_queries = (
        ctx.heavy_timer.compare(ours, baseline, rollback=True, after=after)
    )
    result.figures["clients changed"] = changed
    return result


# -- invoice generation ------------------------------------------------------------------------

GENERATE_SQL = [
    # The due services, locked; then their clients, locked in pk order.
    """
    CREATE TEMP TABLE bench_due ON COMMIT DROP AS
    SELECT id AS service_id, client_id, next_due_date AS due, recurring_amount AS amount,
           product_name
    FROM invoices_clientservice
    WHERE status = 'Active' AND next_due_date <= %(horizon)s
    ORDER BY id FOR UPDATE
    """,
    """
    SELECT id FROM clients_client WHERE id IN (SELECT client_id FROM bench_due)
    ORDER BY id FOR UPDATE
    """,
    # One invoice per client and due date; the client's credit covers its invoices earliest first.
    """
    CREATE TEMP TABLE bench_new_invoice ON COMMIT DROP AS
    SELECT nextval(pg_get_serial_sequence('invoices_invoice', 'id')) AS invoice_id, client_id,
           due, total, currency,
           LEAST(total, GREATEST(credit_balance - COALESCE(SUM(total) OVER (
               PARTITION BY client_id ORDER BY due
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0), 0)) AS credit
    FROM (
        SELECT d.client_id, d.due, sum(d.amount) AS total, c.currency, c.credit_balance
        FROM bench_due d JOIN clients_client c ON c.id = d.client_id
        GROUP BY d.client_id, d.due, c.currency, c.credit_balance
    ) per_invoice
    """,
    """
    INSERT INTO invoices_invoice (id, client_id, status, date, due_date, paid_at, currency,
        payment_method, subtotal, tax, total, credit_applied, amount_paid, notes, created_at,
        updated_at, billed_first_name, billed_last_name, billed_company, billed_email,
        billed_phone, billed_address1, billed_address2, billed_city, billed_state,
        billed_postcode, billed_country, billed_tax_exempt, billed_contact_name,
        billed_contact_email)
    SELECT n.invoice_id, n.client_id, CASE WHEN credit = total THEN 'Paid' ELSE 'Unpaid' END,
           %(today)s, due, CASE WHEN credit = total THEN now() END, n.currency, '', total, 0,
           total, credit, 0, '', now(), now(), c.first_name, c.last_name, c.company_name,
           c.email, c.phone_number, c.address1, c.address2, c.city, c.state, c.postcode,
           c.country, c.tax_exempt, '', ''
    FROM bench_new_invoice n JOIN clients_client c ON c.id = n.client_id
    """,
    """
    INSERT INTO invoices_invoiceitem (invoice_id, service_id, service_due_date, description,
        amount, taxed)
    SELECT i.invoice_id, d.service_id, d.due,
           d.product_name || ' (' || d.due || ' - ' || (d.due + interval '1 month')::date || ')',
           d.amount, false
    FROM bench_due d JOIN bench_new_invoice i USING (client_id, due)
    """,
    """
    UPDATE invoices_clientservice s SET next_due_date = (d.due + interval '1 month')::date,
        updated_at = now()
    FROM bench_due d WHERE s.id = d.service_id
    """,
    """
    INSERT INTO credits_creditentry (actor_user_id, actor_label, created_at, client_id, date,
        description, amount, kind, invoice_id)
    SELECT NULL, 'system', now(), client_id, %(today)s, 'Credit applied to invoice #' || invoice_id,
           -credit, 'applied', invoice_id
    FROM bench_new_invoice WHERE credit > 0
    """,
    """
    UPDATE clients_client c SET credit_balance = c.credit_balance - x.credit, updated_at = now()
    FROM (SELECT client_id, sum(credit) AS credit FROM bench_new_invoice WHERE credit > 0
          GROUP BY client_id) x
    WHERE c.id = x.client_id
    """,
]


@guarded
def generate_invoices(ctx: Context) -> Result:
    """generate_invoices with credit application"""
    invoices_generate = _service("invoices.services", "invoices_generate")
    today = ctx.dataset.today
    horizon = today + timedelta(days=settings.INVOICE_DAYS_IN_ADVANCE)
    counts = {}

    def ours() -> None:
        generated = invoices_generate(today=today, actor=None)
        counts["invoices"] = generated.invoices
        counts["credit applied"] = str(generated.credit_applied)

    params = {"today": today, "horizon": horizon}
    baseline = _sql([(sql, params) for sql in GENERATE_SQL])
    after = _vacuum(
        "clients_client",
        "invoices_clientservice",
        "invoices_invoice",
        "invoices_invoiceitem",
        "credits_creditentry",
    )
    result = Result(
        operation=f"generate invoices, {ctx.dataset.due_services:,} due services",
        target="ratio <= 3, >= 5,000 invoices/s",
        max_ratio=3,
    )
    result.ours_ms, result.queries, result.baseline_ms, result.baseline_queries = (
        ctx.heavy_timer.compare(ours, baseline, rollback=True, after=after)
    )
    per_second = counts["invoices"] / (result.ours_median / 1000)
    result.figures.update(counts, invoices_per_second=round(per_second))
    result.checks["every due service invoiced"] = counts["invoices"] == ctx.dataset.due_services
    result.checks[">= 5,000 invoices/s"] = per_second >= 5000
    return result


# -- deletion ----------------------------------------------------------------------------------

DELETE_SQL = [
    # Transactions keep their rows: the database sets their client/invoice links to NULL
    # (ON DELETE SET NULL), and the identity snapshot is already on each row.
    "SELECT id FROM clients_client WHERE id = %(id)s FOR UPDATE",
    "DELETE FROM credits_creditentry WHERE client_id = %(id)s",
    "DELETE FROM invoices_invoiceitem WHERE invoice_id IN "
    "(SELECT id FROM invoices_invoice WHERE client_id = %(id)s)",
    "DELETE FROM invoices_invoice WHERE client_id = %(id)s",
    "DELETE FROM invoices_clientservice WHERE client_id = %(id)s",
    "DELETE FROM clients_clientevent WHERE client_id = %(id)s",
    "DELETE FROM clients_emaillog WHERE client_id = %(id)s",
    "DELETE FROM clients_client WHERE id = %(id)s",
    "INSERT INTO clients_clientdeletion (actor_user_id, actor_label, created_at, client_id, "
    "client_name, client_email, removed_counts, kept_transactions) "
    "VALUES (NULL, 'system', now(), %(id)s, 'Lara Large', 'large.client@bench.example', '{}', 0)",
]


@guarded
def delete_large_client(ctx: Context) -> Result:
    """delete the large client, keeping its transactions"""
    from transactions.models import Transaction

    client_delete = _service("clients.services", "client_delete")
    large = ctx.dataset.large_client_id

    def ours() -> None:
        deletion = client_delete(client_id=large, actor=None)
        kept = Transaction.objects.filter(client_snapshot_id=large, client__isnull=True).count()
        if deletion.kept_transactions != kept or kept == 0:
            raise RuntimeError(f"transactions were not kept ({kept})")

    baseline = _sql([(sql, {"id": large}) for sql in DELETE_SQL])
    after = _vacuum(
        "clients_client",
        "credits_creditentry",
        "invoices_invoice",
        "invoices_invoiceitem",
        "invoices_clientservice",
        "transactions_transaction",
    )
    result = Result(
        operation="delete the large client, keep transactions",
        target="ratio <= 2",
        max_ratio=2,
    )
    result.ours_ms, result.queries, result.baseline_ms, result.baseline_queries = (
        ctx.heavy_timer.compare(ours, baseline, rollback=True, after=after)
    )
    return result


# -- concurrent add_credit ---------------------------------------------------------------------

CREDIT_CLIENTS = 100


@guarded
def concurrent_add_credit(ctx: Context) -> Result:
    """add_credit under concurrent workers"""
    from clients.models import Client

    add_credit = _service("credits.services", "add_credit")
    # Active clients spread over the table; every worker cycles through all of them, so several
    # workers wait on the same row lock at once.
    client_ids = list(
        Client.objects.filter(status="Active")
        .order_by("pk")
        .values_list("pk", flat=True)[:CREDIT_CLIENTS]
    )
    result = Result(
        operation=f"add_credit, {ctx.workers} workers, {ctx.credit_ops:,} ops",
        target="ratio <= 1.25, >= 1,500 ops/s, exact balance",
        max_ratio=1.25,
    )
    exact = True
    for _ in range(ctx.heavy_timer.repeat):
        for mode, timings in (("ours", result.ours_ms), ("raw", result.baseline_ms)):
            balances_before, entries_before = _credit_state(client_ids)
            seconds = run_concurrently(
                mode, workers=ctx.workers, total_ops=ctx.credit_ops, client_ids=client_ids
            )
            timings.append(seconds * 1000)
            balances_after, entries_after = _credit_state(client_ids)
            # Every client's balance moved by exactly its new entries (1.00 each), none lost.
            exact &= sum(entries_after.values()) - sum(entries_before.values()) == ctx.credit_ops
            exact &= all(
                balances_after[pk]
                == balances_before[pk] + entries_after.get(pk, 0) - entries_before.get(pk, 0)
                for pk in client_ids
            )
    ops_per_second = ctx.credit_ops / (result.ours_median / 1000)
    result.figures["ops_per_second"] = round(ops_per_second)
    result.figures["raw_ops_per_second"] = round(ctx.credit_ops / (result.baseline_median / 1000))
    result.checks["exact final balance"] = exact
    result.checks[">= 1,500 ops/s"] = ops_per_second >= 1500
    # Counted on a real, committed call: inside a rolled-back wrapper its own transaction
    # would become a savepoint and count two statements a real call does not send.
    client_id = client_ids[0]
    result.queries = Timer(repeat=0, warmup=1).count_queries(
        lambda: add_credit(client_id=client_id, amount="1.00", description="Bench", actor=None)
    )
    result.baseline_queries = len(RAW_ADD_CREDIT) + 2  # with BEGIN and COMMIT, as ours counts
    return result


def _credit_state(client_ids: list[int]) -> tuple[dict[int, Decimal], dict[int, int]]:
    from clients.models import Client
    from credits.models import CreditEntry

    balances = dict(Client.objects.filter(pk__in=client_ids).values_list("pk", "credit_balance"))
    entries = dict(
        CreditEntry.objects.filter(client_id__in=client_ids)
        .order_by()
        .values_list("client_id")
        .annotate(n=Count("pk"))
    )
    return balances, entries


# -- account statements and credit policies -----------------------------------------------------

STATEMENT_SQL = [
    # The five sources' totals before the start and up to the end, then the month's movements
    # in date order, then the aging of the open invoices: what the statement page reads.
    """
    SELECT sum(total) FILTER (WHERE date < %(start)s), sum(total) FILTER (WHERE date <= %(end)s)
    FROM invoices_invoice WHERE client_id = %(id)s AND status <> 'Draft'
    """,
    """
    SELECT sum(amount_out - amount_in) FILTER (WHERE date::date < %(start)s),
           sum(amount_out - amount_in) FILTER (WHERE date::date <= %(end)s)
    FROM transactions_transaction WHERE client_id = %(id)s AND invoice_id IS NOT NULL
    """,
    """
    SELECT sum(amount) FILTER (WHERE date < %(start)s), sum(amount) FILTER (WHERE date <= %(end)s)
    FROM credits_creditentry WHERE client_id = %(id)s
    """,
    """
    SELECT date, id, total FROM invoices_invoice
    WHERE client_id = %(id)s AND status <> 'Draft' AND date BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT date::date, id, amount_out - amount_in FROM transactions_transaction
    WHERE client_id = %(id)s AND invoice_id IS NOT NULL
      AND date::date BETWEEN %(start)s AND %(end)s
    UNION ALL
    SELECT date, id, -amount FROM credits_creditentry
    WHERE client_id = %(id)s AND date BETWEEN %(start)s AND %(end)s
    ORDER BY 1, 2
    """,
    """
    SELECT sum(total - credit_applied - amount_paid) FROM invoices_invoice
    WHERE client_id = %(id)s AND status IN ('Unpaid', 'Payment Pending', 'Collections')
    """,
]


@guarded
def statement_large(ctx: Context) -> Result:
    """the account statement of the large client for last month, and its CSV of everything"""
    import tracemalloc

    from clients.models import Client
    from statements.rendering import statement_csv_rows
    from statements.selectors import client_statement, period_range

    large = ctx.dataset.large_client_id
    start, end = period_range("last-month", today=ctx.dataset.today)
    url = reverse("admin:clients_client_statement", args=[large]) + "?period=last-month"
    params = {"id": large, "start": start, "end": end}
    baseline = _sql([(sql, params) for sql in STATEMENT_SQL])
    result = _page_result(
        ctx, "account statement, large client, a month", url, baseline, max_ms=150
    )
    small = reverse("admin:clients_client_statement", args=[1]) + "?period=last-month"
    result.checks["constant queries"] = _query_count(ctx, small) == result.queries
    result.target += ", constant queries"
    # The "everything" CSV through a server-side cursor: peak Python memory while streaming it.
    statement = client_statement(Client.objects.get(pk=large), start=date.min, end=end)
    tracemalloc.start()
    started = time.perf_counter()
    rows = sum(1 for _ in statement_csv_rows(statement))
    csv_ms = (time.perf_counter() - started) * 1000
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    result.figures.update(csv_rows=rows, csv_ms=round(csv_ms), csv_peak_kb=round(peak / 1024))
    # Streamed in chunks of 2,000 rows, the peak stays that of a chunk, not of ~30,000 rows.
    result.checks["CSV streams (peak < 8 MB)"] = peak < 8 * 1024 * 1024
    return result


# Every fourth due client on each policy, so the run mixes all four.
MIXED_POLICIES_SQL = """
    UPDATE clients_client SET credit_policy =
        (ARRAY['default', 'never', 'full', 'available'])[id %% 4 + 1]
    WHERE id IN (SELECT client_id FROM invoices_clientservice
                 WHERE status = 'Active' AND next_due_date <= %(horizon)s)
"""


@guarded
def generate_invoices_mixed_policies(ctx: Context) -> Result:
    """generate_invoices with the four credit policies mixed among the due clients"""
    horizon = ctx.dataset.today + timedelta(days=settings.INVOICE_DAYS_IN_ADVANCE)
    with connection.cursor() as cursor:
        cursor.execute(MIXED_POLICIES_SQL, {"horizon": horizon})
    try:
        result = generate_invoices(ctx)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE clients_client SET credit_policy = 'default' "
                "WHERE credit_policy <> 'default'"
            )
    result.operation = result.operation.replace("generate invoices", "generate, mixed policies")
    return result


OPERATIONS = {
    "list": admin_client_list,
    "search-email": admin_search_email_prefix,
    "search-name": admin_search_name_word,
    "search-company": admin_search_company,
    "search-contact": admin_search_contact_email,
    "summary": client_summary_large,
    "bulk-status": bulk_set_status,
    "generate": generate_invoices,
    "delete": delete_large_client,
    "add-credit": concurrent_add_credit,
    "custom-filter": admin_filter_custom_dropdown,
    "custom-search": admin_search_custom_text,
    "statement": statement_large,
    "generate-mixed": generate_invoices_mixed_policies,
}


# -- plans -------------------------------------------------------------------------------------

EXPLAINED_PAGES = {
    "list": lambda ctx: reverse("admin:clients_client_changelist"),
    "search-email": lambda ctx: reverse("admin:clients_client_changelist") + "?q=olivia.smith10",
    "search-name": lambda ctx: reverse("admin:clients_client_changelist") + "?q=Castillo",
    "search-company": lambda ctx: reverse("admin:clients_client_changelist") + "?q=Northwind",
    "search-contact": lambda ctx: (
        reverse("admin:clients_client_changelist")
        + f"?q={CONTACT_EMAIL_PREFIX}{ctx.dataset.clients // 2 + 7}"
    ),
    "custom-filter": lambda ctx: reverse("admin:clients_client_changelist") + CUSTOM_PLAN_FILTER,
    "custom-search": lambda ctx: (
        reverse("admin:clients_client_changelist") + f"?q={CUSTOM_VAT_PREFIX}"
    ),
}


def explain_pages(ctx: Context) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of the client-table queries the admin pages really send."""
    sections = []
    for name, url_of in EXPLAINED_PAGES.items():
        url = url_of(ctx)
        with CaptureQueriesContext(connection) as captured:
            _get(ctx.http, url)()
        statements = [q["sql"] for q in captured.captured_queries if '"clients_client"' in q["sql"]]
        sections.append(f"### {name}: `GET {url}`\n")
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                sections.append(f"```sql\n{sql}\n```\n```\n{plan}\n```\n")
    return "\n".join(sections)
