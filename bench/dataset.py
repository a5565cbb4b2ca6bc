"""Build the benchmark dataset with set-based SQL (INSERT ... SELECT generate_series).

Client ``i`` (1..N) is derived from ``i`` alone, so the data is the same on every run and the
harness knows which rows a filter selects without asking the database:

- country ``DE`` exactly when ``i % 10 = 3``: the bulk status change selects these (10%);
- one service per client; it is due today or earlier exactly when ``i % 10 = 7`` (10%), and
  those clients are Active; every other service is due 40+ days ahead (beyond any horizon of
  INVOICE_DAYS_IN_ADVANCE a deployment would use);
- one contact per client, email ``billing<i>@...`` (``CONTACT_EMAIL_PREFIX``);
- two credit entries per client (added, then removed), two invoices with one item each, one
  transaction; ``credit_balance`` is the sum of the client's entries (zero when ``i % 3 = 0``);
- five custom field values per regular client (customfields app): a drop-down "Support plan"
  (``Platinum`` exactly when ``i % 20 = 0``, 5%), a searchable text "VAT number"
  (``GB`` + ``i`` as nine digits), a link, a date and a number;
- client ``N + 1`` is the "large client" with 10,000 services, credit entries, invoices (one item
  each) and transactions.

The balance invariant ``credit_balance == sum(entries) + sum(adjustment deltas)`` is checked after
the build (``check_balance_invariant``).
"""

from dataclasses import dataclass
from datetime import date

from django.apps import apps
from django.db import connection, transaction

BENCH_APPS = ("clients", "credits", "invoices", "transactions", "customfields")
LARGE_CLIENT_ROWS = 10_000
LARGE_CLIENT_EMAIL = "large.client@bench.example"
# Client i's contact is "billing<i>@<domain>": a prefix such as "billing1234" finds a handful.
CONTACT_EMAIL_PREFIX = "billing"

FIRST_NAMES = (
    "Olivia Liam Emma Noah Amelia Oliver Sophia Elijah Mia James Harper William Evelyn Benjamin "
    "Luna Lucas Camila Henry Gianna Theodore Ella Jack Aria Levi Scarlett Alexander Chloe Jackson "
    "Layla Mateo Nora Daniel Lily Michael Eleanor Mason Hazel Sebastian Zoey Ethan Riley Logan "
    "Victoria Owen Emily Samuel Ava Jacob Isla Asher"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips "
    "Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers "
    "Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson "
    "Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster"
).split()
COMPANY_WORDS = (
    "Northwind Contoso Fabrikam Tailspin Wingtip Adventure Litware Proseware Lucerne Margie "
    "Blue Yonder Alpine Coho Humongous Fourth Trey Woodgrove Wide World Graphic Southridge "
    "Datum Consolidated Relecloud Bellows Cascade Summit Harbor Granite Maple Cedar Orbit Pixel "
    "Vertex Quantum Lumen Nimbus Apex Beacon Meridian"
).split()
COMPANY_SUFFIXES = "Ltd GmbH Inc LLC Hosting Media Labs Systems Digital Group".split()
# Weighted by repetition; DE is assigned separately to exactly 10% of clients.
COUNTRIES = "US US US US US US GB GB GB FR NL CA CA AU ES IT IN BR JP SE".split()
DOMAINS = "example.com example.net example.org mail.example hosting.example".split()
PRODUCTS = (
    "Shared Hosting Starter",
    "Shared Hosting Pro",
    "VPS 2GB",
    "VPS 8GB",
    "Dedicated Server",
    "Domain Registration",
    "SSL Certificate",
    "Managed WordPress",
)
GATEWAYS = ("stripe", "paypal", "banktransfer", "stripe")


@dataclass(frozen=True)
class Dataset:
    clients: int  # regular clients, ids 1..clients
    today: date

    @property
    def large_client_id(self) -> int:
        return self.clients + 1

    @property
    def bulk_country(self) -> str:
        return "DE"

    @property
    def bulk_selected(self) -> int:
        return sum(1 for i in range(1, self.clients + 1) if i % 10 == 3)

    @property
    def due_services(self) -> int:
        return sum(1 for i in range(1, self.clients + 1) if i % 10 == 7)


def _sql_array(values) -> str:
    quoted = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"ARRAY[{quoted}]::text[]"


def _pick(values, index_sql: str) -> str:
    """SQL for ``values[index % len(values)]`` (PostgreSQL arrays start at 1)."""
    return f"({_sql_array(values)})[1 + ({index_sql}) % {len(values)}]"


def bench_tables() -> list[str]:
    return [
        model._meta.db_table
        for label in BENCH_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy and model._meta.managed
    ]


def _currency_sql(country_sql: str) -> str:
    return (
        f"CASE WHEN {country_sql} IN ('DE', 'FR', 'NL', 'ES', 'IT') THEN 'EUR' "
        f"WHEN {country_sql} = 'GB' THEN 'GBP' WHEN {country_sql} = 'CA' THEN 'CAD' "
        f"WHEN {country_sql} = 'AU' THEN 'AUD' ELSE 'USD' END"
    )


# The invoice's identity snapshot (invoices.services.snapshot), copied from the client row ``c``.
SNAPSHOT_COLUMNS = (
    "billed_first_name, billed_last_name, billed_company, billed_email, billed_phone, "
    "billed_address1, billed_address2, billed_city, billed_state, billed_postcode, "
    "billed_country, billed_tax_exempt, billed_contact_name, billed_contact_email"
)
SNAPSHOT_FROM_CLIENT = (
    "c.first_name, c.last_name, c.company_name, c.email, c.phone_number, c.address1, "
    "c.address2, c.city, c.state, c.postcode, c.country, c.tax_exempt, '', ''"
)


def build_statements(n: int, today: date) -> list[tuple[str, str]]:
    """(label, SQL) pairs that fill the empty tables."""
    large = n + 1
    rows = LARGE_CLIENT_ROWS
    today_sql = f"DATE '{today.isoformat()}'"
    now_sql = f"TIMESTAMPTZ '{today.isoformat()} 00:00:00+00'"
    country = f"CASE WHEN i % 10 = 3 THEN 'DE' ELSE {_pick(COUNTRIES, 'i * 7')} END"
    first = _pick(FIRST_NAMES, "i")
    last = _pick(LAST_NAMES, "i / 50 + i * 31")
    company = (
        f"CASE WHEN i % 5 < 2 THEN {_pick(COMPANY_WORDS, 'i * 13')} || ' ' || "
        f"{_pick(COMPANY_SUFFIXES, 'i / 7')} ELSE '' END"
    )
    status = (
        "CASE WHEN i % 10 = 7 THEN 'Active' WHEN (i / 10 * 3) % 10 < 7 THEN 'Active' "
        "WHEN (i / 10 * 3) % 10 < 9 THEN 'Inactive' ELSE 'Closed' END"
    )
    added = "(10 + i % 40)"
    removed = f"(CASE WHEN i % 3 = 0 THEN {added} ELSE 1 + i % 7 END)"
    client_columns = (
        "id, first_name, last_name, company_name, email, phone_number, address1, address2, city, "
        "state, postcode, country, currency, language, group_id, status, marketing_opt_in, "
        "tax_exempt, override_auto_close, credit_balance, created_at, updated_at"
    )
    regular_client = f"""
        SELECT i, {first}, {last}, {company},
               lower({first} || '.' || {last} || i) || '@' || {_pick(DOMAINS, "i / 3")},
               '+1.555' || lpad((i % 10000000)::text, 7, '0'),
               (1 + i % 999) || ' Main Street', '', 'Springfield', 'State',
               lpad((i % 99999)::text, 5, '0'),
               c.country, {_currency_sql("c.country")}, '',
               CASE WHEN i % 5 = 0 THEN 1 + (i / 5) % 3 END, {status},
               i % 4 = 0, false, false,
               {added} - {removed},
               {now_sql} - ({n} - i) * interval '1 minute',
               {now_sql} - ({n} - i) * interval '1 minute'
        FROM generate_series(1, {n}) AS i, LATERAL (SELECT {country} AS country) c
    """
    large_client = f"""
        SELECT {large}, 'Lara', 'Large', 'Large Reseller Holdings', '{LARGE_CLIENT_EMAIL}',
               '+1.5550000000', '1 Big Street', '', 'Springfield', 'State', '12345', 'US', 'USD',
               '', NULL, 'Active', true, false, false, {rows // 2 * 5}.00, {now_sql}, {now_sql}
    """
    audit = "NULL::integer, 'system'"
    return [
        (
            "client groups",
            "INSERT INTO clients_clientgroup (id, name, colour, notes) VALUES "
            "(1, 'Resellers', '#ffcc00', ''), (2, 'VIP', '#ff0000', ''), "
            "(3, 'Non-profit', '#00aa00', '')",
        ),
        (
            "clients",
            f"INSERT INTO clients_client ({client_columns}) "
            f"{regular_client} UNION ALL {large_client}",
        ),
        (
            # One contact per client (every tenth its billing contact), so the list search by a
            # contact's email is timed against as many contacts as clients.
            "contacts",
            f"""INSERT INTO clients_contact
                (client_id, first_name, last_name, company_name, email, phone_number, address1,
                 address2, city, state, postcode, country, general_emails, invoice_emails,
                 statement_emails, is_billing_contact, created_at, updated_at)
                SELECT i, {_pick(FIRST_NAMES, "i * 7")}, {_pick(LAST_NAMES, "i * 11")}, '',
                       '{CONTACT_EMAIL_PREFIX}' || i || '@' || {_pick(DOMAINS, "i")},
                       '', '', '', '', '', '', '', i % 2 = 0, true, false, i % 10 = 0,
                       {now_sql}, {now_sql}
                FROM generate_series(1, {n}) AS i""",
        ),
        (
            "client events",
            f"""INSERT INTO clients_clientevent
                (actor_user_id, actor_label, created_at, client_id, kind, field, old_value,
                 new_value, balance_delta)
                SELECT {audit}, created_at, id, 'created', '', '', '', NULL FROM clients_client""",
        ),
        (
            "services",
            f"""INSERT INTO invoices_clientservice
                (id, client_id, product_name, description, status, billing_cycle, recurring_amount,
                 registration_date, next_due_date, status_changed_at, created_at, updated_at)
                SELECT i, i, {_pick(PRODUCTS, "i")}, '',
                       CASE WHEN i % 10 <> 7 AND i % 8 = 0 THEN 'Terminated' ELSE 'Active' END,
                       'monthly', 5 + i % 45 + 0.99, {today_sql} - 400 + i % 300,
                       CASE WHEN i % 10 = 7 THEN {today_sql} - i % 5
                            ELSE {today_sql} + 40 + i % 27 END,
                       {now_sql}, {now_sql}, {now_sql}
                FROM generate_series(1, {n}) AS i
                UNION ALL
                SELECT {n} + k, {large}, {_pick(PRODUCTS, "k")}, '', 'Active', 'monthly', 9.99,
                       {today_sql} - 400, {today_sql} + 40 + k % 27, {now_sql}, {now_sql}, {now_sql}
                FROM generate_series(1, {rows}) AS k""",
        ),
        (
            "credit entries",
            f"""INSERT INTO credits_creditentry
                (actor_user_id, actor_label, created_at, client_id, date, description, amount, kind,
                 invoice_id)
                SELECT {audit}, {now_sql} - 90 * interval '1 day', i, {today_sql} - 90,
                       'Prepayment', {added}, 'added', NULL::bigint
                FROM generate_series(1, {n}) AS i
                UNION ALL
                SELECT {audit}, {now_sql} - 30 * interval '1 day', i, {today_sql} - 30,
                       'Credit removed', -{removed}, 'removed', NULL
                FROM generate_series(1, {n}) AS i
                UNION ALL
                SELECT {audit}, {now_sql} - k * interval '1 minute', {large},
                       {today_sql} - k / 100, 'Bulk entry',
                       CASE WHEN k % 2 = 0 THEN 10 ELSE -5 END,
                       CASE WHEN k % 2 = 0 THEN 'added' ELSE 'removed' END, NULL
                FROM generate_series(1, {rows}) AS k""",
        ),
        (
            "invoices",
            f"""INSERT INTO invoices_invoice
                (id, client_id, status, date, due_date, paid_at, currency, payment_method,
                 subtotal, tax, total, credit_applied, amount_paid, notes, created_at, updated_at,
                 {SNAPSHOT_COLUMNS})
                SELECT 2 * c.id - 1 + p, c.id,
                       CASE WHEN p = 1 AND c.id % 4 = 0 THEN 'Unpaid' ELSE 'Paid' END,
                       {today_sql} - 60 + 30 * p - (c.id % 28)::int,
                       {today_sql} - 53 + 30 * p - (c.id % 28)::int,
                       CASE WHEN p = 1 AND c.id % 4 = 0 THEN NULL ELSE {now_sql} END,
                       c.currency, 'stripe', 5 + c.id % 45 + 0.99, 0, 5 + c.id % 45 + 0.99, 0,
                       CASE WHEN p = 1 AND c.id % 4 = 0 THEN 0 ELSE 5 + c.id % 45 + 0.99 END,
                       '', {now_sql}, {now_sql}, {SNAPSHOT_FROM_CLIENT}
                FROM clients_client c, generate_series(0, 1) AS p
                WHERE c.id <= {n}
                UNION ALL
                SELECT 2 * {n} + k, {large}, 'Paid', {today_sql} - k / 20, {today_sql} - k / 20,
                       {now_sql}, 'USD', 'stripe', 9.99, 0, 9.99, 0, 9.99, '', {now_sql}, {now_sql},
                       {SNAPSHOT_FROM_CLIENT}
                FROM generate_series(1, {rows}) AS k, clients_client c WHERE c.id = {large}""",
        ),
        (
            "invoice items",
            f"""INSERT INTO invoices_invoiceitem
                (invoice_id, service_id, service_due_date, description, amount, taxed)
                SELECT inv.id, CASE WHEN inv.id <= 2 * {n} THEN (inv.id + 1) / 2
                                    ELSE inv.id - {n} END,
                       inv.date, 'Hosting ' || inv.date, inv.total, false
                FROM invoices_invoice inv""",
        ),
        (
            "transactions",
            f"""INSERT INTO transactions_transaction
                (actor_user_id, actor_label, created_at, date, client_id, client_snapshot_id,
                 client_name, client_company, client_email, gateway, transaction_id, description,
                 amount_in, fees, amount_out, currency, invoice_id, invoice_number, overpayment)
                SELECT {audit}, {now_sql}, inv.date::timestamptz, c.id, c.id,
                       c.first_name || ' ' || c.last_name, c.company_name, c.email,
                       {_pick(GATEWAYS, "inv.id")}, 'TX' || inv.id, 'Invoice payment',
                       inv.total, 0.30, 0, inv.currency, inv.id, inv.id::text, 0
                FROM invoices_invoice inv JOIN clients_client c ON c.id = inv.client_id
                WHERE inv.id % 2 = 1 OR inv.client_id = {large}""",
        ),
        *custom_field_statements(n, now_sql),
    ]


# The bench's custom client fields: ids fixed so the operations can name them in URLs.
CUSTOM_PLAN_FIELD_ID = 1
CUSTOM_VAT_FIELD_ID = 2
CUSTOM_PLAN_OPTIONS = ("Gold", "Silver", "Bronze", "Platinum")


def custom_field_statements(n: int, now_sql: str) -> list[tuple[str, str]]:
    """Five definitions, and a value in each for every regular client."""
    plan = f"CASE WHEN i % 20 = 0 THEN 'Platinum' ELSE {_pick(CUSTOM_PLAN_OPTIONS[:3], 'i')} END"
    return [
        (
            "custom fields",
            f"""INSERT INTO customfields_customfield
                (id, name, field_type, description, options, required, admin_only, show_in_list,
                 filterable, searchable, personal, sort_order, created_at)
                VALUES
                ({CUSTOM_PLAN_FIELD_ID}, 'Support plan', 'dropdown', '',
                 '{",".join(CUSTOM_PLAN_OPTIONS)}', false, false, true, true, false, false, 1,
                 {now_sql}),
                ({CUSTOM_VAT_FIELD_ID}, 'VAT number', 'text', '', '', false, false, true, false,
                 true, false, 2, {now_sql}),
                (3, 'Website', 'link', '', '', false, false, false, false, false, false, 3,
                 {now_sql}),
                (4, 'Contract start', 'date', '', '', false, true, false, false, false, false, 4,
                 {now_sql}),
                (5, 'Seats', 'number', '', '', false, false, false, false, false, false, 5,
                 {now_sql})""",
        ),
        (
            "custom field values",
            f"""INSERT INTO customfields_customfieldvalue (client_id, field_id, value)
                SELECT i, f, CASE f WHEN 1 THEN {plan}
                                    WHEN 2 THEN 'GB' || lpad(i::text, 9, '0')
                                    WHEN 3 THEN 'https://client' || i || '.example.com/'
                                    WHEN 4 THEN (DATE '2020-01-01' + i % 2000)::text
                                    ELSE (1 + i % 250)::text END
                FROM generate_series(1, {n}) AS i, generate_series(1, 5) AS f""",
        ),
    ]


# Indexes that no constraint owns (a unique constraint's or primary key's index stays put).
SECONDARY_INDEXES_SQL = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
    WHERE t.relname = ANY(%s) AND t.relnamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


def reset_sequences() -> None:
    with connection.cursor() as cursor:
        for table in bench_tables():
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, 'id')",
                [table],
            )
            (sequence,) = cursor.fetchone()
            if sequence:
                cursor.execute(
                    f"SELECT setval(%s, COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)",
                    [sequence],
                )


def check_balance_invariant() -> int:
    """How many clients break ``balance == sum(entries) + sum(adjustment deltas)``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM clients_client c
            LEFT JOIN (SELECT client_id, sum(amount) AS total FROM credits_creditentry
                       GROUP BY client_id) e ON e.client_id = c.id
            LEFT JOIN (SELECT client_id, sum(balance_delta) AS total FROM clients_clientevent
                       WHERE balance_delta IS NOT NULL GROUP BY client_id) a ON a.client_id = c.id
            WHERE c.credit_balance <> COALESCE(e.total, 0) + COALESCE(a.total, 0)
            """
        )
        return cursor.fetchone()[0]


def build(n: int, today: date, log) -> Dataset:
    """Empty the app tables and fill them; returns the description of what was built."""
    import time

    tables = bench_tables()
    # One transaction: a build that dies half way rolls back to the tables as they were, the
    # secondary indexes it dropped included (outside it, the next build would find none to
    # rebuild and time every page without them).
    with transaction.atomic(), connection.cursor() as cursor:
        # Nothing here needs to reach the disk before the next statement; index builds get room
        # to sort in memory.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        # Foreign keys checked at each statement's end: an index cannot be built on a table
        # with deferred checks still pending in the transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        # Loading first and indexing after is several times faster than maintaining the GIN and
        # expression indexes row by row. Primary keys and constraint-backed indexes stay.
        cursor.execute(SECONDARY_INDEXES_SQL, [tables])
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        for label, sql in build_statements(n, today):
            started = time.perf_counter()
            cursor.execute(sql)
            log(f"  {label}: {cursor.rowcount:,} rows in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        for _, definition in indexes:
            cursor.execute(definition)
        log(f"  {len(indexes)} indexes rebuilt in {time.perf_counter() - started:.1f} s")
    reset_sequences()
    vacuum_analyze(tables)
    broken = check_balance_invariant()
    if broken:
        raise RuntimeError(f"dataset build broke the balance invariant for {broken} clients")
    return Dataset(clients=n, today=today)


def vacuum_analyze(tables) -> None:
    """VACUUM cannot run in a transaction block: the bench connection is in autocommit."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")


def existing(n: int, today: date) -> Dataset | None:
    """The dataset already in the database when it has the requested size, else None."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT max(id) FROM clients_client), "
            "(SELECT id FROM clients_client WHERE email = %s)",
            [LARGE_CLIENT_EMAIL],
        )
        max_id, large_id = cursor.fetchone()
    if large_id == n + 1 and max_id == n + 1:
        return Dataset(clients=n, today=today)
    return None
