"""Invoice events record a deleted payment or refund, whose effect on amount_paid is undone."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0010_invoice_event_refund"),
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
                    ("payment_deleted", "Payment deleted"),
                    ("refund_deleted", "Refund deleted"),
                    ("cancelled", "Cancelled"),
                    ("total_changed", "Total changed"),
                ],
                max_length=20,
            ),
        ),
    ]
