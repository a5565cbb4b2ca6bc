"""Writes of the email queue: queue a client email, retry failed ones, resend sent ones.

Nothing here talks to a mail server. A message is rendered and recorded as queued in the
caller's transaction, and its task is queued with it (``emails.tasks.enqueue_send``): if the
cause rolls back, no email exists; once it commits, a worker sends it.
"""

from collections.abc import Iterable, Sequence
from email.utils import make_msgid

from django.conf import settings
from django.db import transaction
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from billing_admin.actors import actor_fields
from clients.models import Client, EmailLog
from clients.selectors import client_email_cc
from emails.models import EmailAttachment
from emails.tasks import enqueue_send

# (filename, content, mimetype), as Django's EmailMessage.attachments holds them.
Attachment = tuple[str, bytes, str]


@transaction.atomic
def email_queue(
    *,
    client_id: int,
    kind: str,
    template: str,
    subject: str,
    actor,
    context: dict | None = None,
    cc: Iterable[str] = (),
    attachments: Sequence[Attachment] = (),
) -> EmailLog:
    """Render ``emails/<template>.txt`` (and ``.html`` when it exists) for the client and record
    the message as queued, to the client's address and copied to ``cc`` and to the client's
    contacts that receive ``kind`` emails; its worker task commits with the caller's transaction.

    ``context`` is added to ``client`` and ``company_name``. ``attachments`` are stored with the
    message, so retries send the same bytes. ``actor`` is who caused it (a user, an API
    credential, or None for the system).
    """
    client = Client.objects.get(pk=client_id)
    full_context = {"client": client, "company_name": settings.COMPANY_NAME, **(context or {})}
    email = EmailLog(
        client=client,
        kind=kind,
        template=template,
        to_address=client.email,
        cc=_copy_to(client, kind, cc),
        from_email=settings.DEFAULT_FROM_EMAIL,
        subject=subject,
        body_text=render_to_string(f"emails/{template}.txt", full_context),
        body_html=_render_optional(f"emails/{template}.html", full_context),
        message_id=_new_message_id(),
        **actor_fields(actor),
    )
    email.full_clean(exclude=["client", "actor_user"])
    email.save()
    EmailAttachment.objects.bulk_create(
        EmailAttachment(email=email, filename=filename, content=content, mimetype=mimetype)
        for filename, content, mimetype in attachments
    )
    enqueue_send(email.pk)
    return email


@transaction.atomic
def emails_retry(*, email_ids: Iterable[int], actor) -> list[int]:
    """Queue failed messages again with a fresh set of attempts, and messages stuck "sending"
    past their lease (their worker is gone). Returns the ids queued; the rest (queued, being
    sent, sent) are left alone: a sent message is sent again with ``emails_resend``."""
    retryable = list(
        EmailLog.objects.select_for_update()
        .filter(pk__in=list(email_ids))
        .filter(
            status__in=[EmailLog.Status.FAILED, EmailLog.Status.SENDING],
        )
        .exclude(status=EmailLog.Status.SENDING, lease_until__gte=timezone.now())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    EmailLog.objects.filter(pk__in=retryable).update(
        status=EmailLog.Status.QUEUED,
        attempts=0,
        next_attempt_at=None,
        lease_until=None,
        **actor_fields(actor),
    )
    for email_id in retryable:
        enqueue_send(email_id)
    return retryable


@transaction.atomic
def emails_resend(*, email_ids: Iterable[int], actor) -> list[EmailLog]:
    """Queue a new copy of each message (whatever its status): the same subject, bodies, copies
    and attachments, to the client's current address. The original row stays as it was."""
    originals = list(
        EmailLog.objects.filter(pk__in=list(email_ids))
        .select_related("client")
        .prefetch_related("attachments")
        .order_by("pk")
    )
    copies = EmailLog.objects.bulk_create(
        EmailLog(
            client=original.client,
            kind=original.kind,
            template=original.template,
            to_address=original.client.email,
            cc=original.cc,
            from_email=original.from_email,
            subject=original.subject,
            body_text=original.body_text,
            body_html=original.body_html,
            message_id=_new_message_id(),
            **actor_fields(actor),
        )
        for original in originals
    )
    EmailAttachment.objects.bulk_create(
        EmailAttachment(
            email=copy,
            filename=attachment.filename,
            content=attachment.content,
            mimetype=attachment.mimetype,
        )
        for original, copy in zip(originals, copies, strict=True)
        for attachment in original.attachments.all()
    )
    for copy in copies:
        enqueue_send(copy.pk)
    return copies


def _copy_to(client: Client, kind: str, cc: Iterable[str]) -> list[str]:
    """The copy-to addresses, each once (ignoring case), never the client's own address."""
    addresses = [*cc, *client_email_cc(client, kind)]
    seen = {client.email.lower()}
    unique = []
    for address in addresses:
        if address and address.lower() not in seen:
            seen.add(address.lower())
            unique.append(address)
    return unique


def _render_optional(template_name: str, context: dict) -> str:
    try:
        return render_to_string(template_name, context)
    except TemplateDoesNotExist:
        return ""


def _new_message_id() -> str:
    # The sender's domain rather than the host name: looking that up can be slow, and it
    # says nothing useful to the recipient.
    return make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None)
