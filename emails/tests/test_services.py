"""Queueing, retrying and resending, with the in-process backend of the test settings."""

import smtplib
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from clients.models import EmailLog
from clients.services import contact_create
from clients.tests.email_backends import MAIL_SERVER_DOWN
from clients.tests.factories import ClientFactory
from emails import services
from emails.services import email_queue, emails_resend, emails_retry
from emails.tasks import is_permanent, retry_delay

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "clients.tests.email_backends.FailingEmailBackend"
PDF = ("statement.pdf", b"%PDF-1.4 statement", "application/pdf")


def queue(client, **overrides) -> EmailLog:
    return email_queue(
        client_id=client.pk,
        kind="statement",
        template="welcome",
        subject="Your statement",
        actor=None,
        **overrides,
    )


def test_email_queue_records_the_rendered_message_and_sends_it_after_commit(
    admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    client = ClientFactory(first_name="Ada", email="ada@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        email = email_queue(
            client_id=client.pk,
            kind="statement",
            template="welcome",
            subject="Your statement",
            actor=admin_user,
            context={"company_name": "Analytical Hosting"},
            cc=["accounts@example.com", "ADA@example.com", "Accounts@Example.com"],
            attachments=[PDF],
        )
        assert mailoutbox == []
        assert (email.status, email.attempts) == (EmailLog.Status.QUEUED, 0)

    email.refresh_from_db()
    assert (email.status, email.attempts, email.actor_label) == (EmailLog.Status.SENT, 1, "admin")
    assert "Dear Ada" in email.body_text and "Analytical Hosting" in email.body_html
    [message] = mailoutbox
    assert (message.to, message.cc) == (["ada@example.com"], ["accounts@example.com"])
    assert message.extra_headers["Message-ID"] == email.message_id
    assert message.attachments == [PDF]


def test_email_queue_writes_nothing_when_its_cause_rolls_back(
    mailoutbox, django_capture_on_commit_callbacks
):
    client = ClientFactory()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            queue(client, attachments=[PDF])
            raise RuntimeError("the cause failed")

    assert not EmailLog.objects.exists()
    assert mailoutbox == []


def test_email_queue_copies_the_contacts_the_cc_selector_names(
    monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    client = ClientFactory(email="ada@example.com")
    monkeypatch.setattr(services, "client_email_cc", lambda client, kind: [f"{kind}@example.com"])

    with django_capture_on_commit_callbacks(execute=True):
        email = queue(client, cc=["boss@example.com"])

    assert email.cc == ["boss@example.com", "statement@example.com"]
    assert mailoutbox[0].cc == email.cc


def test_a_temporary_failure_without_a_deferring_queue_fails_for_staff_to_retry(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING_BACKEND

    with django_capture_on_commit_callbacks(execute=True):
        email = queue(ClientFactory())

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailLog.Status.FAILED, 1)
    assert MAIL_SERVER_DOWN in email.error


def test_emails_retry_queues_failed_and_stalled_emails_only(
    settings, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    client = ClientFactory()
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        failed = queue(client)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        sent = queue(client)
    stalled, sending = queue(client), queue(client)
    now = timezone.now()
    EmailLog.objects.filter(pk=stalled.pk).update(
        status="sending", lease_until=now - timedelta(seconds=1)
    )
    EmailLog.objects.filter(pk=sending.pk).update(
        status="sending", lease_until=now + timedelta(minutes=1)
    )
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        retried = emails_retry(
            email_ids=[failed.pk, sent.pk, stalled.pk, sending.pk], actor=admin_user
        )

    assert retried == [failed.pk, stalled.pk]
    assert len(mailoutbox) == 2
    statuses = dict(EmailLog.objects.values_list("pk", "status"))
    assert statuses == {
        failed.pk: "sent",
        sent.pk: "sent",
        stalled.pk: "sent",
        sending.pk: "sending",
    }
    failed.refresh_from_db()
    assert (failed.attempts, failed.actor_label) == (1, "admin")


def test_emails_resend_queues_a_copy_to_the_current_address(
    admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    client = ClientFactory(email="old@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        original = queue(client, attachments=[PDF])
    client.email = "new@example.com"
    client.save()

    with django_capture_on_commit_callbacks(execute=True):
        [copy] = emails_resend(email_ids=[original.pk], actor=admin_user)

    copy.refresh_from_db()
    assert (copy.status, copy.to_address, copy.subject) == (
        "sent",
        "new@example.com",
        "Your statement",
    )
    assert copy.message_id != original.message_id
    assert [m.to for m in mailoutbox] == [["old@example.com"], ["new@example.com"]]
    assert mailoutbox[1].attachments == [PDF]
    original.refresh_from_db()
    assert (original.status, original.to_address) == ("sent", "old@example.com")


@pytest.mark.parametrize(
    "error, permanent",
    [
        (ConnectionRefusedError(MAIL_SERVER_DOWN), False),
        (TimeoutError("timed out"), False),
        (smtplib.SMTPServerDisconnected("gone"), False),
        (smtplib.SMTPDataError(451, b"try later"), False),
        (smtplib.SMTPDataError(554, b"rejected"), True),
        (smtplib.SMTPSenderRefused(553, b"no", "billing@example.com"), True),
        (smtplib.SMTPRecipientsRefused({"a@example.com": (550, b"no such user")}), True),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@example.com": (550, b"no"), "b@example.com": (452, b"full")}
            ),
            False,
        ),
        (ValueError("Invalid address"), True),
    ],
)
def test_is_permanent_only_for_5xx_replies_and_bad_addresses(error, permanent):
    assert is_permanent(error) is permanent


def test_retry_delay_doubles_up_to_the_maximum(settings):
    settings.EMAIL_RETRY_DELAY, settings.EMAIL_RETRY_MAX_DELAY = 60, 300

    assert [retry_delay(attempts) for attempts in range(1, 6)] == [60, 120, 240, 300, 300]


def test_email_queue_copies_the_contacts_that_receive_that_kind(
    mailoutbox, django_capture_on_commit_callbacks
):
    client = ClientFactory(email="ada@example.com")
    contact_create(
        client_id=client.pk,
        actor=None,
        first_name="Bill",
        email="bill@example.com",
        statement_emails=True,
    )
    contact_create(client_id=client.pk, actor=None, first_name="Tech", email="tech@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        statement = queue(client)
        welcome = email_queue(
            client_id=client.pk, kind="welcome", template="welcome", subject="Hi", actor=None
        )

    assert (statement.cc, welcome.cc) == (["bill@example.com"], [])
    assert [message.cc for message in mailoutbox] == [["bill@example.com"], []]
