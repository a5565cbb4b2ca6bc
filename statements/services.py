"""Sending statements: one email function, and the batched, resumable send_statements run.

Every statement email goes through ``statement_email_send``: switching it to a durable email
queue (with the PDF as an attachment) is a change here and nowhere else.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from billing_admin.actors import actor_fields
from clients.models import Client, EmailLog
from clients.selectors import client_email_cc
from statements.models import SentStatement
from statements.rendering import statement_filename, statement_pdf
from statements.selectors import Statement, client_statement, clients_with_movements

logger = logging.getLogger(__name__)

STATEMENT_TEMPLATE = "statement"
STATEMENT_EMAIL_KIND = "statement"
DEFAULT_BATCH_SIZE = 200


def statement_email_send(*, statement: Statement, actor) -> EmailLog:
    """Email the statement (PDF attached) to the client, CC its statement contacts, and log the
    attempt in the client's email log whatever the outcome. Not atomic: a mail server must not
    hold a database transaction open, and a failure is recorded, not raised."""
    client = statement.client
    subject = f"Account statement {statement.period_text} - {settings.COMPANY_NAME}"
    context = {"client": client, "statement": statement, "company_name": settings.COMPANY_NAME}
    message = EmailMessage(
        subject=subject,
        body=render_to_string("emails/statement.txt", context),
        to=[client.email],
        cc=client_email_cc(client, STATEMENT_EMAIL_KIND),
    )
    message.attach(
        statement_filename(statement, "pdf"), statement_pdf(statement), "application/pdf"
    )
    try:
        message.send()
    except Exception as exc:  # any transport error is recorded, as for the welcome email
        logger.warning("Statement email to client %s failed: %s", client.pk, exc)
        status, error = EmailLog.Status.FAILED, f"{type(exc).__name__}: {exc}"
    else:
        status, error = EmailLog.Status.SENT, ""
    return EmailLog.objects.create(
        client=client,
        template=STATEMENT_TEMPLATE,
        to_address=client.email,
        subject=subject[:255],
        status=status,
        error=error,
    )


@dataclass
class SendStatementsResult:
    start: date
    end: date
    selected: int
    already_sent: int
    sent: int = 0
    failed: int = 0
    batches_done: int = 0
    batches_total: int = 0

    @property
    def processed(self) -> int:
        return self.sent + self.failed


def statements_to_send(*, start: date, end: date, resend: bool = False):
    """Clients with movements in the period, less those already sent it (unless ``resend``)."""
    clients = clients_with_movements(start=start, end=end)
    if not resend:
        sent = SentStatement.objects.filter(period_start=start, period_end=end)
        clients = clients.exclude(pk__in=sent.values("client_id"))
    return clients


def statements_send(
    *,
    start: date,
    end: date,
    actor=None,
    resend: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[SendStatementsResult], None] | None = None,
) -> SendStatementsResult:
    """Email every client with movements in ``start``..``end`` its statement, in batches.

    Each sent statement is recorded (``SentStatement``) as soon as its email is out, so a run
    that stops resumes where it was and a period is never sent twice to one client unless
    ``resend``. A failed send is logged and not recorded: the next run tries it again.
    """
    ids = list(
        statements_to_send(start=start, end=end, resend=resend)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    already = (
        0 if resend else SentStatement.objects.filter(period_start=start, period_end=end).count()
    )
    batches = [ids[i : i + batch_size] for i in range(0, len(ids), batch_size)]
    result = SendStatementsResult(
        start=start, end=end, selected=len(ids), already_sent=already, batches_total=len(batches)
    )
    for batch in batches:
        for client in Client.objects.filter(pk__in=batch).order_by("pk"):
            log = statement_email_send(
                statement=client_statement(client, start=start, end=end), actor=actor
            )
            if log.status != EmailLog.Status.SENT:
                result.failed += 1
                continue
            with transaction.atomic():
                SentStatement.objects.update_or_create(
                    client=client,
                    period_start=start,
                    period_end=end,
                    defaults={"to_address": client.email, "email_log": log, **actor_fields(actor)},
                )
            result.sent += 1
        result.batches_done += 1
        if on_batch is not None:
            on_batch(result)
    return result
