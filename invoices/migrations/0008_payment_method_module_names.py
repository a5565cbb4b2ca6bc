"""An invoice's payment method is stored by module name ("banktransfer"), as on transactions:
rows holding a configured display name ("Bank Transfer", any case) get its module name."""

from django.db import migrations

from transactions.payment_methods import payment_method_module


def display_names_to_modules(apps, schema_editor):
    Invoice = apps.get_model("invoices", "Invoice")
    for value in Invoice.objects.order_by().values_list("payment_method", flat=True).distinct():
        module = payment_method_module(value)
        if module != value:
            Invoice.objects.filter(payment_method=value).update(payment_method=module)


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0007_generate_invoices_permission"),
    ]

    operations = [
        migrations.RunPython(display_names_to_modules, migrations.RunPython.noop),
    ]
