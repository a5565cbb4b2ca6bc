"""A database connection cut mid-run (a terminated backend, as a failover or a restart does):
the API answers its envelope with HTTP 503, the admin a page saying to retry, and the next
request, on a new connection, works again."""

from datetime import UTC, date, datetime
from io import StringIO

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection
from django.test import Client as HttpClient
from django.urls import reverse

from api.registry import ACTION_NAMES
from api.services import credential_create
from api.views import UNAVAILABLE
from clients.models import Client
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices.models import Invoice
from invoices.tests.factories import ClientServiceFactory
from statements.models import SentStatement

pytestmark = pytest.mark.django_db(transaction=True)


def terminate_django_connection():
    """End this thread's database session from another connection, as an outage would."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    other = psycopg2.connect(**params)
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def next_request():
    """What Django does between two requests: drop a connection that failed."""
    close_old_connections()


@pytest.fixture(autouse=True)
def _fresh_connection_afterwards():
    yield
    connection.close()


@pytest.fixture
def api_post(django_user_model):
    owner = django_user_model.objects.create_superuser("api-owner", password="pw")
    credential, secret = credential_create(
        name="Outage",
        user=owner,
        allowed_actions=ACTION_NAMES,
        allowed_ips=["127.0.0.1"],
        actor=None,
    )
    http = HttpClient()

    def post(action, **params):
        data = {"identifier": credential.identifier, "secret": secret, "action": action}
        return http.post("/includes/api.php", {**data, **params})

    return post


@pytest.mark.parametrize("responsetype", ["json", "xml"])
def test_api_answers_503_in_its_envelope_while_the_database_is_cut_off(api_post, responsetype):
    terminate_django_connection()

    response = api_post("GetClients", responsetype=responsetype)

    assert response.status_code == 503
    body = response.content.decode()
    assert (
        "<result>error</result>" in body
        if responsetype == "xml"
        else response.json()
        == {
            "result": "error",
            "message": UNAVAILABLE,
        }
    )
    assert UNAVAILABLE in body
    next_request()
    assert api_post("GetClients").json()["result"] == "success"


def test_admin_shows_a_retry_page_while_the_database_is_cut_off(django_user_model):
    user = django_user_model.objects.create_superuser("boss", password="pw")
    http = HttpClient(raise_request_exception=False)
    http.force_login(user)
    terminate_django_connection()

    response = http.get(reverse("admin:clients_client_changelist"))

    assert response.status_code == 503
    assert "Billing is temporarily unavailable" in response.content.decode()
    next_request()
    assert http.get(reverse("admin:clients_client_changelist")).status_code == 200


# ---- commands: the database cut off half-way -----------------------------------------------------


def cut_off_on_second_call(monkeypatch, module, name):
    """Make ``module.name`` cut the database connection when called the second time (the
    second batch), then go on, so its own queries meet the outage."""
    real = getattr(module, name)
    calls = []

    def cut_then_call(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            terminate_django_connection()
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, cut_then_call)


def test_set_client_status_reports_a_database_failure_in_one_line(monkeypatch):
    from clients.services import bulk

    ClientFactory.create_batch(5)
    cut_off_on_second_call(monkeypatch, bulk, "set_column_for_batch")

    with pytest.raises(CommandError) as excinfo:
        call_command(
            "set_client_status",
            "Inactive",
            "--all",
            "--yes",
            "--batch-size",
            "2",
            stdout=StringIO(),
            stderr=StringIO(),
        )

    message = str(excinfo.value)
    assert excinfo.value.returncode == 1
    assert message.startswith("Stopped by a database error (")
    assert "changed 2 of 5 clients to Inactive in 1 of 3 whole batches" in message
    assert message.endswith("rerun the same command to finish.")
    assert "\n" not in message
    next_request()
    assert Client.objects.filter(status=Client.Status.INACTIVE).count() == 2


def test_generate_invoices_reports_a_database_failure_in_one_line(monkeypatch, settings):
    from invoices.services import generation

    settings.INVOICE_DAYS_IN_ADVANCE = 7
    for client in ClientFactory.create_batch(4):
        ClientServiceFactory(client=client, next_due_date=date(2026, 11, 30))
    monkeypatch.setitem(generation.invoices_generate.__kwdefaults__, "batch_size", 2)
    cut_off_on_second_call(monkeypatch, generation, "_set_next_due_dates")

    with pytest.raises(CommandError) as excinfo:
        call_command("generate_invoices", "--date=2026-11-24", stdout=StringIO(), stderr=StringIO())

    message = str(excinfo.value)
    assert excinfo.value.returncode == 1
    assert "created 2 invoices (total " in message
    assert "in 1 whole batches" in message
    assert "\n" not in message
    next_request()
    assert Invoice.objects.count() == 2


def test_set_credit_policy_reports_a_database_failure_in_one_line(monkeypatch):
    from clients.services import bulk

    ClientFactory.create_batch(5)
    cut_off_on_second_call(monkeypatch, bulk, "set_column_for_batch")

    with pytest.raises(CommandError) as excinfo:
        call_command(
            "set_credit_policy",
            "never",
            "--all",
            "--yes",
            "--batch-size",
            "2",
            stdout=StringIO(),
            stderr=StringIO(),
        )

    message = str(excinfo.value)
    assert excinfo.value.returncode == 1
    assert message.startswith("Stopped by a database error (")
    assert "changed 2 of 5 clients to never in 1 of 3 whole batches" in message
    assert "\n" not in message
    next_request()
    assert Client.objects.filter(credit_policy=Client.CreditPolicy.NEVER).count() == 2


def test_send_statements_reports_a_database_failure_in_one_line(monkeypatch):
    from statements import services

    for client in ClientFactory.create_batch(3):
        add_credit(
            client_id=client.pk,
            amount="5.00",
            description="Goodwill",
            actor=None,
            date=datetime(2026, 10, 15, 12, tzinfo=UTC),
        )
    cut_off_on_second_call(monkeypatch, services, "statement_email_send")
    period = ["--start", "2026-10-01", "--end", "2026-10-31"]

    with pytest.raises(CommandError) as excinfo:
        call_command(
            "send_statements", *period, "--batch-size", "1", stdout=StringIO(), stderr=StringIO()
        )

    message = str(excinfo.value)
    assert excinfo.value.returncode == 1
    assert "queued 1 of 3 statements for 2026-10-01..2026-10-31 (1 of 3 batches" in message
    assert "\n" not in message
    next_request()
    assert SentStatement.objects.count() == 1


def test_apply_retention_reports_a_database_failure_in_one_line(monkeypatch, settings):
    from privacy.services import retention

    settings.RETENTION_INACTIVE_MONTHS = 12
    idle = ClientFactory.create_batch(3, status=Client.Status.INACTIVE)
    Client.objects.filter(pk__in=[client.pk for client in idle]).update(
        updated_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    cut_off_on_second_call(monkeypatch, retention, "_retention_batch")

    with pytest.raises(CommandError) as excinfo:
        call_command("apply_retention", "--batch-size", "1", stdout=StringIO(), stderr=StringIO())

    message = str(excinfo.value)
    assert excinfo.value.returncode == 1
    assert "anonymised 0 and deleted 1 clients in 1 whole batches" in message
    assert "\n" not in message
    next_request()
    assert Client.objects.count() == 2


def test_admin_bulk_status_cut_off_half_way_says_how_many_changed(monkeypatch, django_user_model):
    from clients.services import bulk

    ids = [client.pk for client in ClientFactory.create_batch(5)]
    http = HttpClient(raise_request_exception=False)
    http.force_login(django_user_model.objects.create_superuser("boss", password="pw"))
    monkeypatch.setitem(bulk.clients_bulk_set_status.__kwdefaults__, "batch_size", 2)
    cut_off_on_second_call(monkeypatch, bulk, "set_column_for_batch")
    url = reverse("admin:clients_client_bulk_status", args=["inactive"])

    response = http.post(f"{url}?ids={','.join(map(str, ids))}", {"post": "yes"})

    assert response.status_code == 503
    page = response.content.decode()
    assert "changed 2 of 5 clients to Inactive in 1 of 3 whole batches" in page
    assert "submit the same change again to finish the rest" in page
    next_request()
    assert Client.objects.filter(status=Client.Status.INACTIVE).count() == 2


def test_admin_credit_policy_action_cut_off_half_way_says_how_many_changed(
    monkeypatch, django_user_model
):
    from clients.services import bulk, clients_bulk_set_credit_policy

    ids = [client.pk for client in ClientFactory.create_batch(5)]
    http = HttpClient(raise_request_exception=False)
    http.force_login(django_user_model.objects.create_superuser("boss", password="pw"))
    monkeypatch.setitem(clients_bulk_set_credit_policy.__kwdefaults__, "batch_size", 2)
    cut_off_on_second_call(monkeypatch, bulk, "set_column_for_batch")

    response = http.post(
        reverse("admin:clients_client_changelist"),
        {"action": "set_credit_policy_never_selected", "_selected_action": ids},
    )

    assert response.status_code == 503
    page = response.content.decode()
    assert "The credit policy change to never stopped part-way" in page
    assert "changed 2 of 5 clients to never in 1 of 3 whole batches" in page
    assert "submit the same change again to finish the rest" in page
    next_request()
    assert Client.objects.filter(credit_policy=Client.CreditPolicy.NEVER).count() == 2
