"""An anonymised client over the API: the placeholders answer, no personal value does, and the
profile cannot be written back."""

import json

import pytest

from api.tests.conftest import (  # noqa: F401 (fixtures)
    api_owner,
    call,
    credential,
    credential_and_secret,
)
from privacy.services import client_anonymise
from privacy.tests.builders import MARK, build_marked_client

pytestmark = pytest.mark.django_db


def test_api_shows_only_placeholders_of_an_anonymised_client(call, admin_user):  # noqa: F811
    client = build_marked_client(admin_user)
    client_anonymise(client_id=client.pk, actor=admin_user)

    details = call("GetClientsDetails", clientid=client.pk, stats="true")
    contacts = call("GetContacts", userid=client.pk)
    listed = call("GetClients", search="Anonymised")

    assert details["result"] == "success"
    assert details["client"]["email"] == f"client-{client.pk}@anonymised.invalid"
    assert details["client"]["fullname"] == f"Anonymised client #{client.pk}"
    for answer in (details, contacts, listed):
        assert MARK not in json.dumps(answer)
    assert [row["id"] for row in listed["clients"]["client"]] == [client.pk]


def test_api_update_client_of_an_anonymised_client_is_refused(call, admin_user):  # noqa: F811
    client = build_marked_client(admin_user)
    client_anonymise(client_id=client.pk, actor=admin_user)
    notes = list(client.client_notes.values_list("pk", "text"))

    answer = call("UpdateClient", clientid=client.pk, firstname="Back", notes="hello")

    assert answer["result"] == "error"
    assert "was anonymised" in answer["message"]
    client.refresh_from_db()
    assert client.first_name == "Anonymised"
    assert list(client.client_notes.values_list("pk", "text")) == notes
