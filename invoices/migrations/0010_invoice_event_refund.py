"""Invoice events record refunds: money paid back on an invoice lowers what was paid on it."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0009_invoice_identity_snapshot"),
    ]

    operations = [
        migrations.AlterField(
            model_name="invoiceevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("status_changed", "Status changed"),
                    ("credit_applied", "Credit applied"),
                    ("credit_removed", "Credit removed"),
                    ("payment", "Payment"),
                    ("refund", "Refund"),
                    ("cancelled", "Cancelled"),
                    ("total_changed", "Total changed"),
                ],
                max_length=14,
            ),
        ),
    ]
