"""Invoices keep the identity they were issued to. Existing invoices get today's client (and its
billing contact): the best record there is of who they were issued to."""

from django.db import migrations, models

FILL_FROM_CLIENTS = """
UPDATE invoices_invoice AS i SET
    billed_first_name = c.first_name,
    billed_last_name = c.last_name,
    billed_company = c.company_name,
    billed_email = c.email,
    billed_phone = c.phone_number,
    billed_address1 = c.address1,
    billed_address2 = c.address2,
    billed_city = c.city,
    billed_state = c.state,
    billed_postcode = c.postcode,
    billed_country = c.country,
    billed_tax_exempt = c.tax_exempt
FROM clients_client AS c
WHERE c.id = i.client_id
"""
FILL_FROM_BILLING_CONTACTS = """
UPDATE invoices_invoice AS i SET
    billed_contact_name = btrim(k.first_name || ' ' || k.last_name),
    billed_contact_email = k.email
FROM (
    SELECT DISTINCT ON (client_id) client_id, first_name, last_name, email
    FROM clients_contact WHERE is_billing_contact ORDER BY client_id, id
) AS k
WHERE k.client_id = i.client_id
"""


def fill_snapshots(apps, schema_editor):
    schema_editor.execute(FILL_FROM_CLIENTS)
    schema_editor.execute(FILL_FROM_BILLING_CONTACTS)


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0008_payment_method_module_names"),
        ("clients", "0010_contacts_and_notes"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="billed_address1",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_address2",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_city",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_company",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_contact_email",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_contact_name",
            field=models.CharField(blank=True, max_length=320),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_country",
            field=models.CharField(blank=True, max_length=2),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_email",
            field=models.EmailField(blank=True, max_length=254),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_first_name",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_last_name",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_phone",
            field=models.CharField(blank=True, max_length=32),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_postcode",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_state",
            field=models.CharField(blank=True, max_length=100),
        ),
        migrations.AddField(
            model_name="invoice",
            name="billed_tax_exempt",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(fill_snapshots, migrations.RunPython.noop),
    ]
