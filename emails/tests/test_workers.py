"""The queue end to end: the database backend, db_worker's worker, a real SMTP server."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clients.models import Client, EmailLog
from clients.tests.factories import ClientFactory, client_profile_data
from emails.services import email_queue
from emails.tasks import enqueue_send, requeue_stalled
from emails.tests.smtp import NO_SUCH_USER, SinkHandler, SmtpServer, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

ADD_URL = reverse("admin:clients_client_add")
PDF = b"%PDF-1.4 a statement"
RACED_MESSAGES = int(__import__("os").environ.get("RACED", 1000))


@pytest.fixture
def database_queue(settings):
    """Queued email waits in PostgreSQL for a worker, as in production; retries are due at once
    so a test's worker sees them."""
    settings.TASKS = {"default": {"BACKEND": settings.TASK_BACKENDS["database"]}}
    settings.EMAIL_RETRY_DELAY = 0
    settings.EMAIL_TIMEOUT = 1
    return settings


def serve(settings, handler: SinkHandler) -> SmtpServer:
    server = SmtpServer(handler)
    for name, value in server.settings().items():
        setattr(settings, name, value)
    return server


def queue_statement(client: Client, **overrides) -> EmailLog:
    return email_queue(
        client_id=client.pk,
        kind="statement",
        template="welcome",
        subject="Your statement",
        actor=None,
        **{"cc": ["accounts@example.com"], "attachments": [("s.pdf", PDF, "application/pdf")]}
        | overrides,
    )


def test_a_queued_email_arrives_once_with_its_headers_body_and_attachment(database_queue):
    handler = SinkHandler()
    client = ClientFactory(first_name="Ada", email="ada@example.com")
    with serve(database_queue, handler):
        email = queue_statement(client)
        assert handler.messages == []  # queued, not sent, until a worker runs

        run_worker()

    [message] = handler.messages
    assert (message["From"], message["To"], message["Cc"]) == (
        "billing@example.com",
        "ada@example.com",
        "accounts@example.com",
    )
    assert message["Subject"] == "Your statement"
    email.refresh_from_db()
    assert message["Message-ID"] == email.message_id
    assert handler.envelopes[0].rcpt_tos == ["ada@example.com", "accounts@example.com"]
    text, html, pdf = (part for part in message.walk() if not part.is_multipart())
    assert "Dear Ada" in text.get_content() and "Dear Ada" in html.get_content()
    assert (pdf.get_filename(), pdf.get_content()) == ("s.pdf", PDF)
    assert (email.status, email.attempts, email.error) == (EmailLog.Status.SENT, 1, "")
    assert email.sent_at is not None and email.lease_until is None


def test_a_cause_that_rolls_back_leaves_neither_the_email_nor_its_task(database_queue):
    client = ClientFactory()

    with pytest.raises(RuntimeError), transaction.atomic():
        queue_statement(client)
        assert DBTaskResult.objects.count() == 1  # the task row is written in the same transaction
        raise RuntimeError("the cause failed")

    assert not EmailLog.objects.exists() and not DBTaskResult.objects.exists()


def test_a_server_that_refuses_then_accepts_gets_the_retry(database_queue):
    handler = SinkHandler(refuse=1)
    with serve(database_queue, handler):
        email = queue_statement(ClientFactory())

        run_worker()

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailLog.Status.SENT, 2)
    assert list(handler.message_ids()) == [email.message_id]


def test_temporary_failures_stop_at_the_attempt_limit(database_queue):
    database_queue.EMAIL_MAX_ATTEMPTS = 3
    handler = SinkHandler(refuse=5)
    with serve(database_queue, handler):
        email = queue_statement(ClientFactory())

        run_worker()

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailLog.Status.FAILED, 3)
    assert "451" in email.error and handler.messages == []


def test_a_permanent_refusal_is_not_retried(database_queue):
    handler = SinkHandler(refuse=1, refusal=NO_SUCH_USER)
    with serve(database_queue, handler):
        email = queue_statement(ClientFactory(), cc=[])

        run_worker()

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailLog.Status.FAILED, 1)
    assert "550" in email.error


def test_retries_wait_longer_each_time(database_queue):
    database_queue.EMAIL_RETRY_DELAY = 60
    handler = SinkHandler(refuse=1)
    with serve(database_queue, handler):
        email = queue_statement(ClientFactory())

        run_worker()  # the retry is not due yet, so the batch worker stops

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailLog.Status.QUEUED, 1)
    wait = email.next_attempt_at - email.last_attempt_at
    assert timedelta(seconds=59) < wait < timedelta(seconds=61)
    retry = DBTaskResult.objects.ready().count(), DBTaskResult.objects.filter(status="READY")
    assert retry[0] == 0 and retry[1].get().run_after == email.next_attempt_at


def test_a_hanging_server_does_not_hold_the_add_client_request(database_queue, admin_client):
    # Long enough that a send inside the request would hold it for all to see.
    database_queue.EMAIL_TIMEOUT = 30
    handler = SinkHandler(hold=True)
    with serve(database_queue, handler):
        queue_statement(ClientFactory(email="earlier@example.com"), cc=[])
        worker = threading.Thread(target=run_worker)
        worker.start()
        assert handler.holding.wait(10)  # the server now sleeps in the earlier message's DATA

        started = time.monotonic()
        response = admin_client.post(ADD_URL, {**client_profile_data(), "send_welcome_email": "on"})
        took = time.monotonic() - started

        assert response.status_code == 302 and took < 5
        welcome = EmailLog.objects.get(to_address="ada@example.com")
        assert welcome.status == EmailLog.Status.QUEUED
        assert handler.messages == []  # the server is still sleeping
        handler.release.set()
        worker.join(30)

    assert set(EmailLog.objects.values_list("status", flat=True)) == {EmailLog.Status.SENT}
    assert sorted(message["To"] for message in handler.messages) == [
        "ada@example.com",
        "earlier@example.com",
    ]


def test_a_server_hanging_past_the_timeout_frees_the_worker_for_a_retry(database_queue):
    database_queue.EMAIL_RETRY_DELAY = 60
    handler = SinkHandler(hold=True)
    with serve(database_queue, handler):
        email = queue_statement(ClientFactory())

        started = time.monotonic()
        run_worker()
        took = time.monotonic() - started

    email.refresh_from_db()
    assert took < 5
    assert (email.status, email.attempts) == (EmailLog.Status.QUEUED, 1)
    assert "timed out" in email.error


def test_a_message_left_sending_by_a_dead_worker_is_queued_again_and_sent(database_queue):
    handler = SinkHandler()
    with serve(database_queue, handler):
        email = queue_statement(ClientFactory())
        # A worker took it and died: its task stays "running" and the lease runs out.
        DBTaskResult.objects.update(status="RUNNING")
        EmailLog.objects.filter(pk=email.pk).update(
            status=EmailLog.Status.SENDING,
            attempts=1,
            last_attempt_at=timezone.now() - timedelta(minutes=10),
            lease_until=timezone.now() - timedelta(minutes=5),
        )
        run_worker()
        assert handler.messages == []

        assert requeue_stalled() == [email.pk]
        run_worker()

    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailLog.Status.SENT, 2)
    assert list(handler.message_ids()) == [email.message_id]


def test_a_message_still_within_its_lease_is_not_taken_again(database_queue):
    email = queue_statement(ClientFactory())
    EmailLog.objects.filter(pk=email.pk).update(
        status=EmailLog.Status.SENDING, lease_until=timezone.now() + timedelta(minutes=5)
    )

    assert requeue_stalled() == []
    run_worker()

    email.refresh_from_db()
    assert email.status == EmailLog.Status.SENDING


def test_two_workers_racing_for_a_thousand_messages_deliver_each_exactly_once(database_queue):
    """Every tenth message also has a second task (as when a sweep requeues a message whose
    task is still waiting), so the race is for the message too, not only for the task row the
    worker locks."""
    # A reply slower than the fixture's 1 s on a busy machine would be a timeout, and a message
    # the server had accepted would be retried: the queue delivers at least once, by design.
    database_queue.EMAIL_TIMEOUT = 30
    handler = SinkHandler()
    client = ClientFactory()
    first = queue_statement(client, cc=[], attachments=[])
    copies = EmailLog.objects.bulk_create(
        EmailLog(
            **{
                field.attname: getattr(first, field.attname)
                for field in EmailLog._meta.concrete_fields
                if not field.primary_key
            }
            | {"message_id": f"<race-{n}@example.com>"}
        )
        for n in range(1, RACED_MESSAGES)
    )
    expected = {first.message_id, *(copy.message_id for copy in copies)}
    email_ids = [first.pk, *(copy.pk for copy in copies)]
    with transaction.atomic():
        for email_id in email_ids + email_ids[::10]:
            enqueue_send(email_id)
    with serve(database_queue, handler):
        workers = [threading.Thread(target=run_worker, args=(f"w{n}",)) for n in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(120)

    delivered = handler.message_ids()
    assert set(delivered) == expected
    assert set(delivered.values()) == {1}
    assert EmailLog.objects.exclude(status=EmailLog.Status.SENT).count() == 0
    assert set(EmailLog.objects.values_list("attempts", flat=True)) == {1}
    # Both workers took part.
    workers_used = {ids[0] for ids in DBTaskResult.objects.values_list("worker_ids", flat=True)}
    assert workers_used == {"w0", "w1"}
