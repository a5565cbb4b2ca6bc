"""A payment on an invoice keeps the part of it that became client credit (its overpayment), so
deleting it can take back exactly what it did. Rows recorded before default to 0.00: all of
their amount in is taken as paid on the invoice, and a deletion that would take more off the
invoice than was paid on it is refused."""

from decimal import Decimal
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("transactions", "0010_transaction_request_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="transaction",
            name="overpayment",
            field=models.DecimalField(decimal_places=2, default=Decimal("0.00"), max_digits=12),
        ),
    ]
