"""The worker side of the email queue: ``email_send`` sends one queued message.

A message moves queued -> sending -> sent | failed (or back to queued for a retry). Taking it
is one conditional UPDATE (``status = 'queued'`` -> ``'sending'``), so when two workers, or two
tasks for the same message, get to it at once, exactly one wins and the other does nothing. The
winner holds a lease (``EMAIL_SENDING_LEASE``): a worker that dies while sending leaves the row
"sending" with an expired lease, and the next worker to run sweeps it back into the queue.

Temporary failures (connection refused, timeouts, 4xx replies) are retried with exponential
backoff up to ``EMAIL_MAX_ATTEMPTS``; permanent ones (5xx replies, an invalid address) fail at
once. A backend that cannot defer a task (the in-process "immediate" one) cannot wait before a
retry, so there a temporary failure is final too, and staff use Retry.

The rendered message is read from the log row: a retry sends exactly what was queued.
"""

import logging
import smtplib
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks_db import DatabaseBackend

from clients.models import EmailLog

logger = logging.getLogger(__name__)

REQUEUED_AFTER_WORKER_LOST = "The worker sending it stopped; queued again."
# A reused SMTP connection idle longer than this is closed, not trusted: servers drop idle
# clients, and a send on a dropped connection would count as a failed attempt.
CONNECTION_MAX_IDLE_SECONDS = 5
SWEEP_BATCH = 500


@task()
def email_send(email_id: int) -> str:
    """Send the queued message ``email_id`` if it is still queued; return its new status."""
    requeue_stalled_now_and_then()
    return deliver(email_id)


def enqueue_send(email_id: int, *, run_after: datetime | None = None) -> None:
    """Queue ``email_send`` for ``email_id``, atomically with the caller's transaction.

    With the database backend the task row is written in the caller's transaction, so the log
    row and its task commit together or not at all. Other backends (in-process, Celery) get the
    task after the commit, so a worker never looks for a row that is not committed yet.
    """
    send = email_send.using(run_after=run_after) if run_after else email_send
    if isinstance(email_send.get_backend(), DatabaseBackend):
        send.enqueue(email_id)
    else:
        transaction.on_commit(lambda: send.enqueue(email_id))


def can_defer() -> bool:
    return email_send.get_backend().supports_defer


# ---- one delivery ------------------------------------------------------------------------------


def deliver(email_id: int) -> str:
    email = claim(email_id)
    if email is None:
        # Taken by another worker, already sent, not due yet, or deleted with its client.
        return EmailLog.objects.filter(pk=email_id).values_list("status", flat=True).first() or ""
    try:
        send_message(build_message(email))
    except Exception as exc:  # every transport error is an outcome to record, not a crash
        return record_failure(email, exc)
    finished = _finish(email, status=EmailLog.Status.SENT, sent_at=timezone.now(), error="")
    return EmailLog.Status.SENT if finished else email.status


def claim(email_id: int) -> EmailLog | None:
    """Take the message if it is queued and due: queued -> sending, one more attempt, a lease.

    One ``UPDATE ... RETURNING`` (the ORM's update() returns no rows, so it would take a second
    query to read the message; the worker is bound by round trips to the database, and this is
    one of six per message). The conditional UPDATE is the whole race: PostgreSQL lets one
    transaction change the row, and the loser's WHERE no longer matches.
    """
    now = timezone.now()
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in EmailLog._meta.concrete_fields)
    sql = (
        f"UPDATE {quote(EmailLog._meta.db_table)} "
        "SET status = %s, attempts = attempts + 1, last_attempt_at = %s, lease_until = %s "
        "WHERE id = %s AND status = %s AND (next_attempt_at IS NULL OR next_attempt_at <= %s) "
        f"RETURNING {columns}"
    )
    lease_until = now + timedelta(seconds=settings.EMAIL_SENDING_LEASE)
    params = [EmailLog.Status.SENDING, now, lease_until, email_id, EmailLog.Status.QUEUED, now]
    return next(iter(EmailLog.objects.raw(sql, params)), None)


def build_message(email: EmailLog) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email or None,
        to=[email.to_address],
        cc=list(email.cc),
        headers={"Message-ID": email.message_id} if email.message_id else None,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments.all():
        message.attach(attachment.filename, bytes(attachment.content), attachment.mimetype)
    return message


def record_failure(email: EmailLog, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"
    permanent = is_permanent(exc)
    logger.warning(
        "Email %s to %s failed (attempt %s, %s): %s",
        email.pk,
        email.to_address,
        email.attempts,
        "permanent" if permanent else "temporary",
        error,
    )
    if permanent or email.attempts >= settings.EMAIL_MAX_ATTEMPTS or not can_defer():
        _finish(email, status=EmailLog.Status.FAILED, error=error)
        return EmailLog.Status.FAILED
    retry_at = timezone.now() + timedelta(seconds=retry_delay(email.attempts))
    with transaction.atomic():
        if _finish(email, status=EmailLog.Status.QUEUED, next_attempt_at=retry_at, error=error):
            enqueue_send(email.pk, run_after=retry_at)
    return EmailLog.Status.QUEUED


def _finish(email: EmailLog, *, status: str, **fields) -> bool:
    """End this worker's attempt, only if the message is still in the attempt it claimed (the
    claim's time tells attempts apart): a worker that outlived its lease finds the message
    requeued or taken again, and leaves the newer attempt alone."""
    updated = EmailLog.objects.filter(
        pk=email.pk, status=EmailLog.Status.SENDING, last_attempt_at=email.last_attempt_at
    ).update(status=status, lease_until=None, **{"next_attempt_at": None, **fields})
    if not updated:
        logger.warning("Email %s was requeued while attempt %s ran", email.pk, email.attempts)
    return bool(updated)


def retry_delay(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: 1, 2, 4, ... times the delay."""
    return min(settings.EMAIL_RETRY_DELAY * 2 ** (attempts - 1), settings.EMAIL_RETRY_MAX_DELAY)


def is_permanent(exc: Exception) -> bool:
    """A 5xx reply (for every recipient) or an address that cannot be sent to: retrying cannot
    help. Connection problems, timeouts and 4xx replies can clear up, so they are temporary."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    # Django refuses to build an address it cannot encode; smtplib an unsupported extension.
    return isinstance(exc, ValueError | smtplib.SMTPNotSupportedError)


# ---- the SMTP connection, reused across one worker's messages ----------------------------------

_connections = threading.local()


def _connection_settings() -> tuple:
    return (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)


def send_message(message: EmailMultiAlternatives) -> None:
    """Send over this thread's open connection, opening one when there is none, when it sat
    idle too long or when the mail settings changed. After any error the connection is closed,
    since its state is unknown."""
    cached = getattr(_connections, "cached", None)
    if cached is not None:
        connection, key, last_used = cached
        if key != _connection_settings() or time.monotonic() - last_used > (
            CONNECTION_MAX_IDLE_SECONDS
        ):
            close_connection()
            cached = None
    if cached is None:
        connection = get_connection(fail_silently=False)
        connection.open()
    try:
        connection.send_messages([message])
    except BaseException:
        _connections.cached = None
        _close_quietly(connection)
        raise
    _connections.cached = (connection, _connection_settings(), time.monotonic())


def close_connection() -> None:
    cached = getattr(_connections, "cached", None)
    _connections.cached = None
    if cached is not None:
        _close_quietly(cached[0])


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # closing a broken connection may fail too; it is gone either way
        logger.debug("Closing the SMTP connection failed", exc_info=True)


# ---- messages whose worker died -------------------------------------------------------------

_last_sweep = {"at": float("-inf")}


def requeue_stalled_now_and_then() -> None:
    """Sweep for stalled messages at most once per quarter lease per process: the sweep is one
    indexed query, but there is no need to make it before every message."""
    if time.monotonic() - _last_sweep["at"] < settings.EMAIL_SENDING_LEASE / 4:
        return
    _last_sweep["at"] = time.monotonic()
    requeue_stalled()


@transaction.atomic
def requeue_stalled() -> list[int]:
    """Queue again the messages left "sending" past their lease (their worker crashed or was
    killed), each with a new task; return their ids. Rows another sweep holds are skipped."""
    stalled = list(
        EmailLog.objects.select_for_update(skip_locked=True)
        .filter(status=EmailLog.Status.SENDING, lease_until__lt=timezone.now())
        .order_by("lease_until")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    if stalled:
        EmailLog.objects.filter(pk__in=stalled).update(
            status=EmailLog.Status.QUEUED,
            lease_until=None,
            next_attempt_at=None,
            error=REQUEUED_AFTER_WORKER_LOST,
        )
        for email_id in stalled:
            enqueue_send(email_id)
        logger.warning("Requeued %s email(s) whose worker stopped: %s", len(stalled), stalled)
    return stalled
