from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from clients.models import EmailLog
from clients.tests.factories import ClientFactory
from emails.services import email_queue

pytestmark = pytest.mark.django_db


def test_emails_requeue_stalled_queues_and_sends_what_a_dead_worker_left(
    mailoutbox, django_capture_on_commit_callbacks
):
    email = email_queue(
        client_id=ClientFactory().pk, kind="general", template="welcome", subject="Hi", actor=None
    )
    EmailLog.objects.filter(pk=email.pk).update(
        status="sending", attempts=1, lease_until=timezone.now() - timedelta(seconds=1)
    )
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("emails_requeue_stalled", stdout=out)

    assert out.getvalue() == "1 email(s) queued again.\n"
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailLog.Status.SENT, 2)
    assert len(mailoutbox) == 1
