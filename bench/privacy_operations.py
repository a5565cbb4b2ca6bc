"""Data protection: anonymising the large client, and a retention run over many idle clients,
each against the hand-written SQL that does the same erasing in one pass."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from bench.harness import Result
from bench.operations import Context, _service, _sql, _vacuum, guarded

# What the erasing writes, as hand-written SQL would set it (billing_admin.personal_data).
ERASE_CLIENT = """
    first_name = 'Anonymised', last_name = 'client #' || c.id, company_name = '',
    email = 'client-' || c.id || '@anonymised.invalid', phone_number = '', address1 = '',
    address2 = '', city = '', state = '', postcode = ''
"""
# History entries whose values may name the person: all but these kinds, and profile changes of
# non-personal fields.
PERSONAL_EVENTS = """
    e.kind NOT IN ('created', 'status_changed', 'balance_adjusted', 'anonymised')
    AND NOT (e.kind = 'profile_changed' AND e.field IN ('currency', 'language', 'group',
        'status', 'tax_exempt', 'marketing_opt_in', 'override_auto_close', 'country'))
"""


def _erase_statements(ids: str, cutoff: str) -> list[str]:
    """Erase every personal value of the clients in ``ids`` (a subquery or a list), keeping
    snapshots dated on or after ``cutoff``: one statement a table."""
    return [
        f"UPDATE clients_client c SET {ERASE_CLIENT}, anonymised_at = now(), updated_at = now() "
        f"WHERE c.id IN ({ids})",
        f"UPDATE clients_clientevent e SET old_value = '', new_value = '' "
        f"WHERE e.client_id IN ({ids}) AND {PERSONAL_EVENTS}",
        "UPDATE clients_contact SET first_name = 'Anonymised', last_name = 'contact #' || id, "
        "company_name = '', email = 'contact-' || id || '@anonymised.invalid', phone_number = '', "
        f"address1 = '', address2 = '', city = '', state = '', postcode = '' "
        f"WHERE client_id IN ({ids})",
        f"DELETE FROM clients_clientnote WHERE client_id IN ({ids})",
        "DELETE FROM customfields_customfieldvalue v USING customfields_customfield f "
        f"WHERE f.id = v.field_id AND f.personal AND v.client_id IN ({ids})",
        "UPDATE clients_emaillog SET to_address = 'email-' || id || '@anonymised.invalid', "
        f"subject = '', error = '' WHERE client_id IN ({ids})",
        f"UPDATE clients_clientdataexport SET reason = '' WHERE client_id IN ({ids})",
        "UPDATE merges_clientmerge SET source_name = 'Anonymised client #' || source_id, "
        "source_email = 'client-' || source_id || '@anonymised.invalid' "
        f"WHERE target_id IN ({ids})",
        "UPDATE transactions_transaction SET "
        "client_name = 'Anonymised client #' || client_snapshot_id, client_company = '', "
        "client_email = 'client-' || client_snapshot_id || '@anonymised.invalid' "
        f"WHERE client_id IN ({ids}) AND date < {cutoff}",
        "UPDATE transactions_transactiondeletion SET "
        "client_name = 'Anonymised client #' || client_snapshot_id "
        f"WHERE client_snapshot_id IN ({ids}) AND date < {cutoff}",
        "UPDATE invoices_invoice SET billed_first_name = 'Anonymised', "
        "billed_last_name = 'client #' || client_id, billed_company = '', "
        "billed_email = 'client-' || client_id || '@anonymised.invalid', billed_phone = '', "
        "billed_address1 = '', billed_address2 = '', billed_city = '', billed_state = '', "
        "billed_postcode = '', billed_contact_name = '', billed_contact_email = '' "
        f"WHERE client_id IN ({ids}) AND date < {cutoff}",
        "UPDATE django_admin_log SET object_repr = 'Anonymised client #' || object_id "
        "WHERE content_type_id = (SELECT id FROM django_content_type "
        "WHERE app_label = 'clients' AND model = 'client') "
        f"AND object_id IN (SELECT id::text FROM ({ids}) AS ids(id))",
    ]


def _events(ids: str, kind: str, *, field: str = "", old: str = "", new: str = "") -> str:
    return (
        "INSERT INTO clients_clientevent (actor_user_id, actor_label, created_at, client_id, kind, "
        f"field, old_value, new_value, balance_delta) SELECT NULL, 'system', now(), id, '{kind}', "
        f"'{field}', '{old}', '{new}', NULL FROM ({ids}) AS ids(id)"
    )


def _cutoff_sql() -> str:
    from privacy.selectors import retention_cutoff

    return f"DATE '{retention_cutoff().isoformat()}'"


ERASED_TABLES = (
    "clients_client",
    "clients_clientevent",
    "clients_emaillog",
    "invoices_invoice",
    "invoices_clientservice",
    "transactions_transaction",
    "credits_creditentry",
)


@guarded
def anonymise_large_client(ctx: Context) -> Result:
    """anonymise the large client (10,000 services, invoices, payments, credit entries)"""
    from clients.models import Client

    client_anonymise = _service("privacy.services", "client_anonymise")
    remove_credit = _service("credits.services", "remove_credit")
    large = ctx.dataset.large_client_id
    balance = Client.objects.get(pk=large).credit_balance

    def ours() -> None:
        # Anonymising refuses a client with credit: staff remove it first, in the same run here.
        remove_credit(client_id=large, amount=balance, description="Refunded", actor=None)
        client_anonymise(client_id=large, actor=None)

    ids = f"SELECT {large}"
    baseline = _sql(
        [
            (f"SELECT id FROM clients_client WHERE id = {large} FOR UPDATE", []),
            (
                "INSERT INTO credits_creditentry (actor_user_id, actor_label, created_at, "
                "client_id, date, description, amount, kind) VALUES "
                f"(NULL, 'system', now(), {large}, current_date, 'Refunded', -%s, 'removed')",
                [balance],
            ),
            (
                "UPDATE clients_client SET credit_balance = 0, status = 'Closed' "
                f"WHERE id = {large}",
                [],
            ),
            (_events(ids, "status_changed", field="status", old="Active", new="Closed"), []),
            (
                "UPDATE invoices_invoice SET status = 'Cancelled' WHERE client_id = "
                f"{large} AND status IN ('Draft', 'Unpaid', 'Payment Pending', 'Collections')",
                [],
            ),
            (
                "UPDATE invoices_clientservice SET status = 'Cancelled', "
                f"status_changed_at = now(), updated_at = now() WHERE client_id = {large} "
                "AND status IN ('Pending', 'Active', 'Suspended')",
                [],
            ),
            *((sql, []) for sql in _erase_statements(ids, _cutoff_sql())),
            (_events(ids, "anonymised"), []),
        ]
    )
    result = Result(operation="anonymise the large client", target="ratio <= 2", max_ratio=2)
    result.ours_ms, result.queries, result.baseline_ms, result.baseline_queries = (
        ctx.heavy_timer.compare(ours, baseline, rollback=True, after=_vacuum(*ERASED_TABLES))
    )
    return result


# The clients the retention run finds idle: one in ten (100,000 of a million).
RETENTION_SELECTION = "id % 10 = 9 AND id <= {n}"


def _make_idle(n: int) -> int:
    """Make one client in ten idle and without money (committed, untimed, idempotent): Inactive,
    credit removed through a ledger entry, services terminated, open invoices paid."""
    selection = RETENTION_SELECTION.format(n=n)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO credits_creditentry (actor_user_id, actor_label, created_at, client_id, "
            "date, description, amount, kind) SELECT NULL, 'system', now() - interval '400 days', "
            "id, current_date - 400, 'Refunded', -credit_balance, 'removed' "
            f"FROM clients_client WHERE {selection} AND credit_balance > 0"
        )
        cursor.execute(
            "UPDATE clients_client SET credit_balance = 0, status = 'Inactive' "
            f"WHERE {selection} AND (credit_balance > 0 OR status = 'Active')"
        )
        cursor.execute(
            "UPDATE invoices_clientservice SET status = 'Terminated' WHERE client_id IN "
            f"(SELECT id FROM clients_client WHERE {selection}) AND status <> 'Terminated'"
        )
        cursor.execute(
            "UPDATE invoices_invoice SET status = 'Paid', amount_paid = total - credit_applied, "
            "paid_at = now() WHERE client_id IN "
            f"(SELECT id FROM clients_client WHERE {selection}) AND status <> 'Paid'"
        )
        cursor.execute(f"SELECT count(*) FROM clients_client WHERE {selection}")
        return cursor.fetchone()[0]


ELIGIBLE_SQL = """
    SELECT c.id FROM clients_client c
    WHERE c.status IN ('Inactive', 'Closed') AND c.anonymised_at IS NULL
      AND c.credit_balance = 0 AND c.updated_at < %(since)s
      AND NOT EXISTS (SELECT 1 FROM invoices_invoice i WHERE i.client_id = c.id
                      AND (i.status IN ('Draft', 'Unpaid', 'Payment Pending', 'Collections')
                           OR i.updated_at >= %(since)s))
      AND NOT EXISTS (SELECT 1 FROM invoices_clientservice s WHERE s.client_id = c.id
                      AND s.status IN ('Pending', 'Active', 'Suspended'))
      AND NOT EXISTS (SELECT 1 FROM transactions_transaction t WHERE t.client_id = c.id
                      AND t.date >= %(since)s)
      AND NOT EXISTS (SELECT 1 FROM credits_creditentry e WHERE e.client_id = c.id
                      AND e.created_at >= %(since)s)
      AND NOT EXISTS (SELECT 1 FROM clients_clientevent h WHERE h.client_id = c.id
                      AND h.created_at >= %(since)s)
"""


@guarded
def retention_run(ctx: Context) -> Result:
    """a retention run anonymising one client in ten"""
    apply_retention = _service("privacy.services", "apply_retention")
    idle = _make_idle(ctx.dataset.clients)
    # Everything in the dataset is older than this: the run takes exactly the idle clients.
    since = timezone.now() + timedelta(days=1)

    def ours() -> None:
        run = apply_retention(inactive_since=since, actor=None)
        if len(run.anonymised) != idle:
            raise RuntimeError(f"anonymised {len(run.anonymised)} of {idle} idle clients")

    ids = "SELECT id FROM retention_ids"
    baseline = _sql(
        [
            (f"CREATE TEMP TABLE retention_ids ON COMMIT DROP AS {ELIGIBLE_SQL}", {"since": since}),
            (
                "SELECT id FROM clients_client WHERE id IN (SELECT id FROM retention_ids) "
                "ORDER BY id FOR UPDATE",
                [],
            ),
            (
                "INSERT INTO clients_clientevent (actor_user_id, actor_label, created_at, "
                "client_id, kind, field, old_value, new_value, balance_delta) "
                "SELECT NULL, 'system', now(), c.id, 'status_changed', 'status', c.status, "
                "'Closed', NULL FROM retention_ids r JOIN clients_client c ON c.id = r.id "
                "WHERE c.status <> 'Closed'",
                [],
            ),
            (f"UPDATE clients_client SET status = 'Closed' WHERE id IN ({ids})", []),
            *((sql, []) for sql in _erase_statements(ids, _cutoff_sql())),
            (_events(ids, "anonymised"), []),
        ]
    )
    result = Result(
        operation=f"retention run anonymising {idle:,} clients", target="ratio <= 2", max_ratio=2
    )
    result.ours_ms, result.queries, result.baseline_ms, result.baseline_queries = (
        ctx.heavy_timer.compare(ours, baseline, rollback=True, after=_vacuum(*ERASED_TABLES))
    )
    median_s = (result.ours_median or 0) / 1000
    result.figures.update(
        idle_clients=idle, clients_per_s=round(idle / median_s) if median_s else 0
    )
    return result


PRIVACY_OPERATIONS = {"anonymise": anonymise_large_client, "retention": retention_run}
