"""Payment methods are stored by module name ("banktransfer"), as the admin and the API store
them; the demo data stored display names ("Bank Transfer"), so the payment-method filter listed
one method twice. Rows holding a configured display name (any case) get its module name."""

from django.db import migrations

from transactions.payment_methods import payment_method_module


def display_names_to_modules(apps, schema_editor):
    Transaction = apps.get_model("transactions", "Transaction")
    for value in Transaction.objects.order_by().values_list("gateway", flat=True).distinct():
        module = payment_method_module(value)
        if module != value:
            Transaction.objects.filter(gateway=value).update(gateway=module)


class Migration(migrations.Migration):
    dependencies = [
        ("transactions", "0007_choices_by_reference"),
    ]

    operations = [
        migrations.RunPython(display_names_to_modules, migrations.RunPython.noop),
    ]
