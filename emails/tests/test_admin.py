"""The Emails list: columns, filters, a constant number of queries, Retry and Resend."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import EmailLog
from clients.tests.factories import ClientFactory
from emails.services import email_queue

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:clients_emaillog_changelist")
FAILING_BACKEND = "clients.tests.email_backends.FailingEmailBackend"


def queue(client, subject="Your statement") -> EmailLog:
    return email_queue(
        client_id=client.pk, kind="statement", template="welcome", subject=subject, actor=None
    )


def queue_failed(settings, django_capture_on_commit_callbacks, client) -> EmailLog:
    backend, settings.EMAIL_BACKEND = settings.EMAIL_BACKEND, FAILING_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(client)
    settings.EMAIL_BACKEND = backend
    return email


def count_queries(http_client, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert http_client.get(LIST_URL, params or {}).status_code == 200
    return len(queries)


def test_list_shows_status_attempts_and_error_filtered_by_status(
    admin_client, settings, django_capture_on_commit_callbacks
):
    client = ClientFactory(first_name="Ada", last_name="Lovelace")
    failed = queue_failed(settings, django_capture_on_commit_callbacks, client)
    queue(client, subject="Still queued")

    page = admin_client.get(LIST_URL, {"status__exact": "failed"}).content.decode()

    assert "Ada Lovelace" in page and "Connection refused" in page
    assert failed.subject in page and "Still queued" not in page
    assert "Still queued" in admin_client.get(LIST_URL, {"q": str(client.pk)}).content.decode()


def test_list_query_count_does_not_grow_with_rows(admin_client):
    queue(ClientFactory())
    baseline = count_queries(admin_client)
    for _ in range(10):
        queue(ClientFactory())

    assert count_queries(admin_client) == baseline
    assert count_queries(admin_client, {"status__exact": "queued", "kind__exact": "x"}) <= baseline


def test_retry_action_queues_the_failed_ones_and_says_what_it_left(
    admin_client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    client = ClientFactory()
    failed = queue_failed(settings, django_capture_on_commit_callbacks, client)
    queued = queue(client)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            LIST_URL,
            {"action": "retry_selected", ACTION_CHECKBOX_NAME: [failed.pk, queued.pk]},
            follow=True,
        )

    failed.refresh_from_db()
    assert failed.status == EmailLog.Status.SENT
    assert [m.to for m in mailoutbox] == [[client.email]]
    notes = [m.message for m in get_messages(response.wsgi_request)]
    assert any("1 email(s) queued" in note for note in notes)
    assert any("1 email(s) left as they are" in note for note in notes)


def test_resend_action_queues_a_copy(admin_client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        original = queue(ClientFactory())

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            LIST_URL, {"action": "resend_selected", ACTION_CHECKBOX_NAME: [original.pk]}
        )

    assert EmailLog.objects.filter(subject=original.subject, status="sent").count() == 2
    assert len(mailoutbox) == 2


def test_retry_and_resend_need_the_send_permission(client, django_user_model):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_emaillog"))
    client.force_login(user)
    email = queue(ClientFactory())

    listing = client.get(LIST_URL)
    response = client.post(
        LIST_URL, {"action": "resend_selected", ACTION_CHECKBOX_NAME: [email.pk]}
    )

    assert listing.status_code == 200 and listing.context["action_form"] is None  # no actions
    assert response.status_code == 200  # "no action selected", nothing done
    assert EmailLog.objects.count() == 1


def test_billing_administrators_may_retry_and_resend():
    group = Group.objects.get(name="Billing administrators")

    assert group.permissions.filter(codename="send_client_email").exists()
