"""API test fixtures: a live credential allowed every action from the test client's address,
and ``call`` that posts a form-encoded WHMCS call and returns the decoded answer."""

import pytest

from api.registry import ACTION_NAMES
from api.services import credential_create

TEST_CLIENT_IP = "127.0.0.1"


@pytest.fixture
def api_owner(django_user_model):
    """The credential's owner: a superuser, so only the credential's role limits it."""
    return django_user_model.objects.create_user(
        "api-owner", "api-owner@example.com", "pw", is_staff=True, is_superuser=True
    )


@pytest.fixture
def credential_and_secret(api_owner):
    return credential_create(
        name="Billing sync",
        user=api_owner,
        allowed_actions=ACTION_NAMES,
        allowed_ips=[TEST_CLIENT_IP],
        actor=None,
    )


@pytest.fixture
def credential(credential_and_secret):
    return credential_and_secret[0]


@pytest.fixture
def call(client, credential_and_secret):
    """``call("GetClients", limitnum=5)`` -> (HTTP status, decoded JSON answer)."""
    credential, secret = credential_and_secret

    def post(action, expect_status=200, **params):
        data = {"identifier": credential.identifier, "secret": secret, "action": action}
        data.update(params)
        response = client.post("/includes/api.php", data)
        assert response.status_code == expect_status, response.content
        assert response["Content-Type"].startswith("application/json")
        return response.json()

    return post
