"""A database connection cut mid-run (a terminated backend, as a failover or a restart does):
the API answers its envelope with HTTP 503, the admin a page saying to retry, and the next
request, on a new connection, works again."""

import psycopg2
import pytest
from django.db import close_old_connections, connection
from django.test import Client as HttpClient
from django.urls import reverse

from api.registry import ACTION_NAMES
from api.services import credential_create
from api.views import UNAVAILABLE

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
