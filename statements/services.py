"""Sending statements: one email function, and the batched, resumable send_statements run.

Every statement email goes through ``statement_email_send``, which puts it on the durable email
queue (``emails``) with the PDF attached.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction

from billing_admin.actors import actor_fields
from clients.models import Client, EmailLog
from emails.services import email_queue
from statements.models import SentStatement
from statements.rendering import statement_filename, statement_pdf
from statements.selectors import Statement, client_statement, clients_with_movements

STATEMENT_TEMPLATE = "statement"
STATEMENT_EMAIL_KIND = "statement"
DEFAULT_BATCH_SIZE = 200


def statement_email_send(*, statement: Statement, actor) -> EmailLog:
    """Queue the statement email (PDF attached) to the client, copied to its contacts that take
    statements; it is in the client's email log at once and a worker sends it after the
    caller's transaction commits (``emails.services.email_queue``)."""
    return email_queue(
        client_id=statement.client.pk,
        kind=STATEMENT_EMAIL_KIND,
        template=STATEMENT_TEMPLATE,
        subject=f"Account statement {statement.period_text} - {settings.COMPANY_NAME}"[:255],
        actor=actor,
        context={"statement": statement},
        attachments=[
            (statement_filename(statement, "pdf"), statement_pdf(statement), "application/pdf")
        ],
    )


@dataclass
class SendStatementsResult:
    start: date
    end: date
    selected: int
    already_sent: int
    # Queued for sending and recorded as sent for the period.
    sent: int = 0
    batches_done: int = 0
    batches_total: int = 0

    @property
    def processed(self) -> int:
        return self.sent

    def progress_text(self) -> str:
        """How far a run stopped half-way got; each statement queued is recorded as sent, so a
        rerun sends only the rest."""
        return (
            f"queued {self.sent:,} of {self.selected:,} statements for {self.start}..{self.end} "
            f"({self.batches_done:,} of {self.batches_total:,} batches complete)"
        )


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

    Each statement is recorded (``SentStatement``) in the transaction that queues its email, so
    a run that stops resumes where it was and a period is never sent twice to one client unless
    ``resend``. Delivery (retries, failures) is the email queue's: see the client's email log.
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
            statement = client_statement(client, start=start, end=end)
            # The queued email and the "sent" record commit together: a stop between clients
            # loses nothing and sends nothing twice.
            with transaction.atomic():
                log = statement_email_send(statement=statement, actor=actor)
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
