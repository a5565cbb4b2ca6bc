"""The Account Statement through the admin (page, PDF, CSV, email), the command and bad input."""

import io
from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from clients.models import EmailLog
from clients.services import contact_create
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices.services import invoice_cancel, invoice_create, payment_record
from statements.models import SentStatement
from statements.selectors import (
    EVERYTHING_START,
    client_statement,
    period_range,
    statement_range,
)

pytestmark = pytest.mark.django_db

D = Decimal
TODAY = timezone.localdate()
LAST_MONTH_START, LAST_MONTH_END = period_range("last-month", today=TODAY)


def statement_url(client, suffix="", **params):
    url = reverse(f"admin:clients_client_statement{suffix}", args=[client.pk])
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{url}?{query}" if query else url


@pytest.fixture
def history():
    """A client with a month of business last month and a payment before it."""
    client = ClientFactory(currency="EUR", first_name="Grace", last_name="Hopper")
    before = LAST_MONTH_START - timedelta(days=5)
    old = invoice_create(
        client_id=client.pk,
        items=[{"description": "Old", "amount": "40.00"}],
        actor=None,
        date=before,
        due_date=before,
    )
    payment_record(invoice_id=old.pk, gateway="bank", amount="25.00", actor=None, date=before)
    day = LAST_MONTH_START + timedelta(days=2)
    hosting = invoice_create(
        client_id=client.pk,
        items=[{"description": "Hosting", "amount": "100.00"}],
        actor=None,
        date=day,
        due_date=day + timedelta(days=7),
    )
    payment_record(
        invoice_id=hosting.pk,
        gateway="stripe",
        amount="30.00",
        actor=None,
        date=day + timedelta(days=1),
        transaction_id="ch_1",
    )
    add_credit(
        client_id=client.pk,
        amount="20.00",
        description="Goodwill",
        actor=None,
        date=day + timedelta(days=3),
    )
    return client


def test_statement_range_defaults_and_presets():
    today = date(2026, 5, 17)
    assert statement_range(today=today) == (date(2026, 4, 1), date(2026, 4, 30))
    assert period_range("this-month", today=today) == (date(2026, 5, 1), today)
    assert period_range("last-quarter", today=today) == (date(2026, 1, 1), date(2026, 3, 31))
    assert period_range("last-quarter", today=date(2026, 2, 1)) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
    )
    assert period_range("this-year", today=today) == (date(2026, 1, 1), today)
    assert period_range("everything", today=today) == (EVERYTHING_START, today)
    assert statement_range(start="2026-02-03", end="2026-02-10", today=today) == (
        date(2026, 2, 3),
        date(2026, 2, 10),
    )


def test_statement_lines_and_balances(history):
    statement = client_statement(history, start=LAST_MONTH_START, end=LAST_MONTH_END)
    assert statement.opening == D("15.00")  # 40 invoiced, 25 paid
    assert [(line.kind, line.amount) for line in statement.lines] == [
        ("invoice", D("100.00")),
        ("payment", D("-30.00")),
        ("added", D("-20.00")),
    ]
    assert [line.balance for line in statement.lines] == [D("115.00"), D("85.00"), D("65.00")]
    assert statement.closing == D("65.00")
    assert statement.closing_credit == D("20.00")
    assert statement.aging.total == D("85.00")  # 15 + 70 due; the credit is not yet applied


@override_settings(PAYMENT_METHODS={"stripe": "Card (Stripe)"})
def test_a_payment_line_names_its_method_as_the_client_knows_it(history):
    statement = client_statement(history, start=LAST_MONTH_START, end=LAST_MONTH_END)

    payment = next(line for line in statement.lines if line.kind == "payment")
    assert payment.description.endswith(" - Card (Stripe) ch_1")


def test_cancellation_is_a_movement(history):
    invoice = invoice_create(
        client_id=history.pk, items=[{"description": "Mistake", "amount": "9.00"}], actor=None
    )
    invoice_cancel(invoice_id=invoice.pk, actor=None)
    statement = client_statement(history, start=TODAY, end=TODAY)
    assert [(line.kind, line.amount) for line in statement.lines] == [
        ("invoice", D("9.00")),
        ("cancellation", D("-9.00")),
    ]
    assert statement.opening == statement.closing


def test_statement_page_in_constant_queries(admin_client, history):
    with CaptureQueriesContext(connection) as first:
        response = admin_client.get(statement_url(history))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Opening balance" in page and "Closing balance" in page
    assert "EUR" in page and "Invoice #" in page and "Goodwill" in page
    assert 'id="closing-balance">65.00<' in page
    # Ten times the movements, the same number of queries.
    for _ in range(10):
        add_credit(
            client_id=history.pk,
            amount="1.00",
            description="More",
            actor=None,
            date=LAST_MONTH_END,
        )
    with CaptureQueriesContext(connection) as second:
        assert admin_client.get(statement_url(history)).status_code == 200
    assert len(second.captured_queries) == len(first.captured_queries) <= 16


def test_summary_has_the_account_statement_quick_link(admin_client, history):
    page = admin_client.get(reverse("admin:clients_client_summary", args=[history.pk]))
    assert statement_url(history) in page.content.decode()
    assert "Account Statement" in page.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-03-10", "end": "2026-03-01"}, "ends (2026-03-01) before it starts"),
        ({"period": "fortnight"}, "Unknown period"),
        ({"start": "yesterday"}, "is not a date"),
    ],
)
def test_bad_range_is_a_clear_error(admin_client, history, params, message):
    page = admin_client.get(statement_url(history, **params))
    assert page.status_code == 400
    assert message in page.content.decode()
    pdf = admin_client.get(statement_url(history, "_pdf", **params))
    assert pdf.status_code == 400 and message in pdf.content.decode()


def test_pdf_download_holds_the_statement(admin_client, history):
    response = admin_client.get(statement_url(history, "_pdf"))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Grace Hopper" in text
    assert "Opening balance" in text and "15.00" in text
    assert "Closing balance" in text and "65.00" in text
    assert "EUR" in text and "Goodwill" in text


def test_csv_streams_everything(admin_client, history):
    response = admin_client.get(statement_url(history, "_csv", period="everything"))
    assert response.streaming
    body = b"".join(response.streaming_content).decode()
    assert "Opening balance" in body and "Closing balance" in body
    lines = body.splitlines()
    closing = next(line for line in lines if "Closing balance" in line)
    assert ",65.00," in closing
    assert sum(1 for line in lines if ",Invoice," in line) == 2


def test_email_statement_sends_pdf_to_client_and_contacts(
    admin_client, history, mailoutbox, django_capture_on_commit_callbacks
):
    contact_create(
        client_id=history.pk,
        actor=None,
        first_name="Ann",
        email="books@example.com",
        statement_emails=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:clients_client_statement_email", args=[history.pk]),
            {"period": "last-month"},
        )
    assert response.status_code == 302
    (message,) = mailoutbox
    assert message.to == [history.email]
    assert message.cc == ["books@example.com"]
    (name, content, mimetype) = message.attachments[0]
    assert mimetype == "application/pdf" and name.endswith(".pdf")
    text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
    assert "Closing balance" in text and "65.00" in text
    log = EmailLog.objects.get(client=history)
    assert (log.template, log.kind, log.status) == ("statement", "statement", EmailLog.Status.SENT)


def send_statements(*args, stdout=None, stderr=None):
    """The command, with the email queue's after-commit sends run (tests never commit)."""
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command(
            "send_statements", *args, stdout=stdout or StringIO(), stderr=stderr or StringIO()
        )


def test_send_statements_command_sends_once_unless_resend(history, mailoutbox):
    quiet = ClientFactory()  # no movements last month: nothing to send
    out = StringIO()
    send_statements("--period", "last-month", stdout=out)
    assert "Queued 1 statements" in out.getvalue()
    assert [m.to for m in mailoutbox] == [[history.email]]
    assert SentStatement.objects.filter(client=history).count() == 1
    assert not SentStatement.objects.filter(client=quiet).exists()

    out = StringIO()
    send_statements("--period", "last-month", stdout=out)
    assert "Queued 0 statements" in out.getvalue() and "1 already sent" in out.getvalue()
    assert len(mailoutbox) == 1

    send_statements("--period", "last-month", "--resend")
    assert len(mailoutbox) == 2
    assert SentStatement.objects.filter(client=history).count() == 1


def test_send_statements_dry_run_and_resume(history, mailoutbox, monkeypatch):
    other = ClientFactory()
    add_credit(client_id=other.pk, amount="5.00", description="x", actor=None, date=LAST_MONTH_END)
    out = StringIO()
    call_command("send_statements", "--dry-run", stdout=out)
    assert "would email 2 statements" in out.getvalue()
    assert mailoutbox == [] and not SentStatement.objects.exists()
    # A run that stops after the first batch resumes with the rest.
    from django.test import TestCase

    from statements import services

    def stop_after_first(result):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), TestCase.captureOnCommitCallbacks(execute=True):
        services.statements_send(
            start=LAST_MONTH_START, end=LAST_MONTH_END, batch_size=1, on_batch=stop_after_first
        )
    assert SentStatement.objects.count() == 1
    err = StringIO()
    send_statements("--batch-size", "1", stderr=err)
    assert SentStatement.objects.count() == 2 and len(mailoutbox) == 2
    assert "batch 1/1" in err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "fortnight"], "Unknown period 'fortnight'"),
        (["--start", "2026-03-10", "--end", "2026-03-01"], "before it starts"),
        (["--batch-size", "0"], "--batch-size"),
    ],
)
def test_send_statements_bad_input(args, message, mailoutbox):
    with pytest.raises(CommandError, match=message):
        call_command("send_statements", *args, stdout=StringIO())
    assert mailoutbox == []


def test_merging_clients_sent_the_same_period_keeps_one_record(history, admin_user):
    from merges.services import client_merge

    other = ClientFactory(currency="EUR")
    add_credit(client_id=other.pk, amount="5.00", description="x", actor=None, date=LAST_MONTH_END)
    send_statements("--period", "last-month")
    assert SentStatement.objects.count() == 2
    client_merge(source_id=other.pk, target_id=history.pk, actor=admin_user)
    assert list(SentStatement.objects.values_list("client_id", flat=True)) == [history.pk]


def test_clients_with_movements_counts_every_kind_of_movement():
    from credits.services import adjust_balance
    from statements.selectors import clients_with_movements

    old = TODAY - timedelta(days=400)
    cancelled = ClientFactory()
    invoice = invoice_create(
        client_id=cancelled.pk,
        items=[{"description": "Old", "amount": "5.00"}],
        actor=None,
        date=old,
        due_date=old,
    )
    invoice_cancel(invoice_id=invoice.pk, actor=None)
    adjusted = ClientFactory()
    adjust_balance(client_id=adjusted.pk, new_balance="3.00", actor=None)
    paid = ClientFactory()
    invoice = invoice_create(
        client_id=paid.pk,
        items=[{"description": "Old", "amount": "5.00"}],
        actor=None,
        date=old,
        due_date=old,
    )
    payment_record(invoice_id=invoice.pk, gateway="bank", actor=None)
    quiet = ClientFactory()
    found = set(clients_with_movements(start=TODAY, end=TODAY).values_list("pk", flat=True))
    assert found == {cancelled.pk, adjusted.pk, paid.pk}
    assert quiet.pk not in found
    assert not clients_with_movements(
        start=TODAY - timedelta(days=300), end=TODAY - timedelta(days=1)
    ).exists()


def test_aging_puts_what_is_due_in_its_bucket_on_the_page_csv_and_pdf(admin_client):
    """Days past due at the statement's end: 0 or not yet due is current, then 1-30, 31-60,
    61-90 and over 90 (each boundary day on both sides); paid and cancelled invoices owe nothing,
    and a part payment leaves only the rest due."""
    client = ClientFactory(currency="GBP")
    amounts = {}
    for days_overdue, amount in [
        (-5, "1.00"),
        (0, "2.00"),
        (1, "4.00"),
        (30, "8.00"),
        (31, "16.00"),
        (60, "32.00"),
        (61, "64.00"),
        (90, "128.00"),
        (91, "256.00"),
        (400, "512.00"),
    ]:
        due = TODAY - timedelta(days=days_overdue)
        amounts[days_overdue] = invoice_create(
            client_id=client.pk,
            items=[{"description": "Hosting", "amount": amount}],
            actor=None,
            date=min(due, TODAY),
            due_date=due,
        )
    payment_record(invoice_id=amounts[91].pk, gateway="bank", amount="56.00", actor=None)
    payment_record(invoice_id=amounts[400].pk, gateway="bank", actor=None)  # paid in full
    invoice_cancel(invoice_id=amounts[61].pk, actor=None)
    expected = ["3.00", "12.00", "48.00", "128.00", "200.00"]

    response = admin_client.get(statement_url(client, period="this-month"))

    aging = response.context["statement"].aging
    assert [f"{amount:.2f}" for _, amount in aging.rows()] == expected
    assert aging.total == D("391.00")
    cells = "".join(f'<td class="num">{amount}</td>' for amount in [*expected, "391.00"])
    assert cells in response.content.decode()
    csv_body = b"".join(
        admin_client.get(statement_url(client, "_csv", period="this-month")).streaming_content
    ).decode()
    assert ",".join(["", *expected, "391.00"]) in csv_body.splitlines()
    assert "Currency GBP" in csv_body
    pdf = admin_client.get(statement_url(client, "_pdf", period="this-month"))
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Over 90 days" in text and "200.00" in text and "391.00" in text


def test_email_statement_with_a_bad_range_says_why_and_sends_nothing(admin_client, mailoutbox):
    client = ClientFactory()

    response = admin_client.post(
        reverse("admin:clients_client_statement_email", args=[client.pk]),
        {"start": "2026-03-10", "end": "2026-03-01"},
        follow=True,
    )

    assert "ends (2026-03-01) before it starts" in response.content.decode()
    assert mailoutbox == []
    assert not EmailLog.objects.filter(client=client).exists()
