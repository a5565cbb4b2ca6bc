"""The identity an invoice is issued to: a copy of the client's name, address, email, tax
exemption and billing contact, taken when the invoice is issued (created Unpaid, or published
from Draft). Invoice pages and the API show this copy, so an invoice reads as it was issued
after the client changes address, is renamed or is anonymised.
"""

from collections.abc import Iterable

from billing_admin.bulk_sql import unnest
from clients.models import Client, Contact
from invoices.models import Invoice

# Snapshot column -> the client column it copies (the contact columns are its billing contact's,
# when the client has one).
CLIENT_COLUMNS = {
    "billed_first_name": "first_name",
    "billed_last_name": "last_name",
    "billed_company": "company_name",
    "billed_email": "email",
    "billed_phone": "phone_number",
    "billed_address1": "address1",
    "billed_address2": "address2",
    "billed_city": "city",
    "billed_state": "state",
    "billed_postcode": "postcode",
    "billed_country": "country",
    "billed_tax_exempt": "tax_exempt",
}
CONTACT_FIELDS = ("billed_contact_name", "billed_contact_email")
SNAPSHOT_FIELDS = (*CLIENT_COLUMNS, *CONTACT_FIELDS)
_CLIENT_READ = ("pk", *CLIENT_COLUMNS.values())


def _snapshot(row: dict, contact: tuple[str, str]) -> dict:
    return {
        **{column: row[source] for column, source in CLIENT_COLUMNS.items()},
        "billed_contact_name": contact[0],
        "billed_contact_email": contact[1],
    }


def billing_contacts(client_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """(name, email) of each client's billing contact, for the clients that have one."""
    rows = (
        Contact.objects.filter(client__in=unnest(client_ids, "bigint"), is_billing_contact=True)
        .order_by("client_id", "pk")
        .values_list("client_id", "first_name", "last_name", "email")
    )
    contacts = {}
    for client_id, first, last, email in rows:
        contacts.setdefault(client_id, (f"{first} {last}".strip(), email))
    return contacts


def client_snapshots(client_ids: Iterable[int]) -> dict[int, dict]:
    """Snapshot values (SNAPSHOT_FIELDS) for each client, in two queries whatever their number."""
    client_ids = list(client_ids)
    contacts = billing_contacts(client_ids)
    return {
        row["pk"]: _snapshot(row, contacts.get(row["pk"], ("", "")))
        for row in Client.objects.filter(pk__in=unnest(client_ids, "bigint")).values(*_CLIENT_READ)
    }


def take_snapshot(invoice: Invoice) -> None:
    """Copy the invoice's client's identity onto the (unsaved or to-be-saved) invoice."""
    for name, value in client_snapshots([invoice.client_id])[invoice.client_id].items():
        setattr(invoice, name, value)
