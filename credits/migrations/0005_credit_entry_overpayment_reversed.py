"""Credit entries of kind overpayment_reversed (negative): the credit an overpayment added, taken
back when its transaction is deleted. The sign CHECK is rebuilt with the new kind."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0004_drop_redundant_entry_indexes"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="creditentry",
            name="creditentry_amount_sign_matches_kind",
        ),
        migrations.AlterField(
            model_name="creditentry",
            name="kind",
            field=models.CharField(
                choices=[
                    ("added", "Added by staff"),
                    ("removed", "Removed by staff"),
                    ("applied", "Applied to invoice"),
                    ("unapplied", "Removed from invoice"),
                    ("overpayment", "Overpayment"),
                    ("refund", "Refund to credit"),
                    ("overpayment_reversed", "Overpayment reversed"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="creditentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("amount__gt", 0),
                        ("kind__in", ["added", "unapplied", "overpayment", "refund"]),
                    ),
                    models.Q(
                        ("amount__lt", 0),
                        ("kind__in", ["removed", "applied", "overpayment_reversed"]),
                    ),
                    _connector="OR",
                ),
                name="creditentry_amount_sign_matches_kind",
            ),
        ),
    ]
