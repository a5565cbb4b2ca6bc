"""A client with something in every table that can hold its data, built through the services,
with a marker string planted in every personal value (see test_anonymise and test_export).

When a model is added to billing_admin.personal_data, plant its rows here: the tests check that
every declared personal column of every declared model received a marker.
"""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from clients.models import Client, EmailLog
from clients.services import (
    client_note_add,
    client_note_update,
    client_update,
    contact_create,
    contact_update,
)
from clients.tests.factories import ClientFactory
from credits.services import add_credit, remove_credit
from customfields.services import client_set_custom_field_values, custom_field_create
from emails.models import EmailAttachment
from invoices.services import (
    client_service_create,
    invoice_create,
    invoice_update,
    transactions_delete,
)
from merges.services import client_merge
from privacy.services import client_export_record
from statements.models import SentStatement
from transactions.services import transaction_create, transaction_update

MARK = "zqxmark"
# Old enough that every retention period the tests use has run out.
OLD = timedelta(days=366 * 12)


def marked(name: str) -> str:
    return f"{MARK}{name}"


_builds = itertools.count()


def build_marked_client(staff) -> Client:
    """A client whose every personal value holds MARK, with old (past retention) and recent
    invoices and transactions, and rows in every related table."""
    now = timezone.now()
    n = next(_builds)
    client = ClientFactory(
        first_name=marked("first"),
        last_name=marked("last"),
        company_name=marked("company"),
        email=f"{MARK}{n}@example.com",
        phone_number=marked("phone"),
        address1=marked("addressone"),
        address2=marked("addresstwo"),
        city=marked("oldcity"),
        state=marked("state"),
        postcode=marked("post"),
    )
    # History of personal fields, old and new values.
    client_update(client_id=client.pk, actor=staff, city=marked("city"))
    client_update(client_id=client.pk, actor=staff, currency="EUR")
    contact = contact_create(
        client_id=client.pk,
        actor=staff,
        first_name=marked("contactfirst"),
        last_name=marked("contactlast"),
        company_name=marked("contactcompany"),
        email=f"{MARK}contact{n}@example.com",
        phone_number=marked("contactphone"),
        address1=marked("contactaddressone"),
        address2=marked("contactaddresstwo"),
        city=marked("contactoldcity"),
        state=marked("contactstate"),
        postcode=marked("contactpost"),
        country="GB",
        is_billing_contact=True,
    )
    contact_update(contact_id=contact.pk, actor=staff, city=marked("contactcity"))
    note = client_note_add(client_id=client.pk, actor=staff, text=marked("note"))
    client_note_update(note_id=note.pk, actor=staff, text=marked("noteedited"))
    passport = custom_field_create(actor=staff, name=f"Passport number {n}", personal=True)
    plan = custom_field_create(actor=staff, name=f"Referral source {n}")
    client_set_custom_field_values(
        client_id=client.pk, actor=staff, values={passport.pk: marked("passport"), plan.pk: "ads"}
    )
    client_set_custom_field_values(
        client_id=client.pk, actor=staff, values={passport.pk: marked("passportnew")}
    )
    email = EmailLog.objects.create(
        client=client,
        template="statement",
        to_address=f"{MARK}{n}@example.com",
        cc=[f"{MARK}cc{n}@example.com"],
        subject=marked("subject"),
        body_text=marked("body"),
        body_html=f"<p>{marked('htmlbody')}</p>",
        status=EmailLog.Status.FAILED,
        error=marked("error"),
    )
    EmailAttachment.objects.create(
        email=email,
        filename="statement.pdf",
        mimetype="application/pdf",
        content=marked("pdf").encode(),
    )
    SentStatement.objects.create(
        client=client,
        period_start=(now - timedelta(days=30)).date(),
        period_end=now.date(),
        to_address=f"{MARK}statement{n}@example.com",
        email_log=email,
        actor_label="system",
    )
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Client),
        object_id=str(client.pk),
        object_repr=str(client),
        action_flag=CHANGE,
        change_message="[]",
    )
    client_service_create(
        client_id=client.pk,
        actor=staff,
        product_name="Hosting",
        recurring_amount="5.00",
        status="Active",
    )
    old_invoice = invoice_create(
        client_id=client.pk,
        actor=staff,
        items=[{"description": "Hosting", "amount": "10.00"}],
        date=(now - OLD).date(),
    )
    recent_invoice = invoice_create(
        client_id=client.pk, actor=staff, items=[{"description": "Hosting", "amount": "20.00"}]
    )
    draft = invoice_create(
        client_id=client.pk,
        actor=staff,
        items=[{"description": "Setup", "amount": "3.00"}],
        status="Draft",
    )
    invoice_update(invoice_id=draft.pk, actor=staff, publish=True)
    for invoice in (old_invoice, recent_invoice):
        payment = transaction_create(
            gateway="paypal",
            actor=staff,
            invoice=invoice,
            amount_in=invoice.total,
            date=now - OLD if invoice is old_invoice else now,
        )
    transaction_update(transaction_pk=payment.pk, actor=staff, description="Paid by card")
    for moment in (now - OLD, now):
        doomed = transaction_create(
            gateway="paypal",
            actor=staff,
            client=client,
            amount_in=Decimal("1.00"),
            description="Refunded by hand",
            date=moment,
        )
        transactions_delete(ids=[doomed.pk], actor=staff)
    add_credit(client_id=client.pk, amount="7.00", description="Goodwill", actor=staff)
    remove_credit(client_id=client.pk, amount="7.00", description="Refunded", actor=staff)
    client_export_record(client_id=client.pk, actor=staff, reason=marked("reason"))
    duplicate = ClientFactory(
        first_name=marked("dupfirst"),
        last_name=marked("duplast"),
        email=f"{MARK}dup{n}@example.com",
    )
    client_merge(source_id=duplicate.pk, target_id=client.pk, actor=staff, source_as_contact=False)
    client.refresh_from_db()
    return client


# Column types a personal value can sit in as text (arrays, JSON and tsvector cast to text).
TEXT_TYPES = ("text", "character varying", "character", "json", "jsonb", "ARRAY", "tsvector")


def find_marker(mark: str = MARK) -> list[tuple[str, str, str]]:
    """(table, column, row id) of every value holding ``mark``, in every text column of every
    table of the database."""
    hits = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND data_type = ANY(%s) "
            "ORDER BY table_name, column_name",
            [list(TEXT_TYPES)],
        )
        columns = cursor.fetchall()
        for table, column in columns:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND table_schema = current_schema() AND column_name = 'id'",
                [table],
            )
            key = "id" if cursor.fetchone() else "ctid"
            quote = connection.ops.quote_name
            cursor.execute(
                f"SELECT {key}::text FROM {quote(table)} WHERE {quote(column)}::text ILIKE %s",
                [f"%{mark}%"],
            )
            hits += [(table, column, row[0]) for row in cursor.fetchall()]
    return hits
