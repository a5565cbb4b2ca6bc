"""Let the database itself keep transactions when their client or invoice goes.

Django emulates on_delete=SET_NULL in Python and creates the constraints without an ON DELETE
clause, so a raw DELETE (or a bulk, set-based one) would fail or, worse, a future CASCADE slip
would take income with it. Recreate both foreign keys with ON DELETE SET NULL, keeping Django's
constraint names and DEFERRABLE INITIALLY DEFERRED.
"""

from django.db import migrations

TABLE = "transactions_transaction"
# (constraint name as Django created it, column, referenced table)
FOREIGN_KEYS = [
    ("transactions_transac_client_id_f77f4aab_fk_clients_c", "client_id", "clients_client"),
    ("transactions_transac_invoice_id_1f822e66_fk_invoices_", "invoice_id", "invoices_invoice"),
]


def recreate_foreign_keys(on_delete: str) -> list[str]:
    return [
        f'ALTER TABLE "{TABLE}" DROP CONSTRAINT "{name}", '
        f'ADD CONSTRAINT "{name}" FOREIGN KEY ("{column}") REFERENCES "{target}" ("id") '
        f"{on_delete} DEFERRABLE INITIALLY DEFERRED;"
        for name, column, target in FOREIGN_KEYS
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("transactions", "0002_search_indexes_and_deletion_log"),
    ]

    operations = [
        migrations.RunSQL(
            sql=recreate_foreign_keys("ON DELETE SET NULL"),
            reverse_sql=recreate_foreign_keys("ON DELETE NO ACTION"),
        ),
    ]
