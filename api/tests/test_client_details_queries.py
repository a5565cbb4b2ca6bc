"""GetClientsDetails reads the client, its merge and its notes log in one query: four queries in
all (the credential, the client, its contacts, its custom fields), whatever it holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.models import Contact
from clients.services import client_note_add
from clients.tests.factories import ClientFactory
from merges.services import client_merge

pytestmark = pytest.mark.django_db


def queries_of(call, **params) -> tuple[dict, int]:
    call("GetClients")  # the credential's first call records its use (one UPDATE)
    with CaptureQueriesContext(connection) as queries:
        answer = call("GetClientsDetails", **params)
    assert answer["result"] == "success", answer
    return answer["client"], len(queries)


def test_details_by_id_by_email_and_by_a_merged_id_take_four_queries(call):
    source = ClientFactory(email="old@example.com")
    target = ClientFactory(email="kept@example.com")
    client_merge(source_id=source.pk, target_id=target.pk, actor=None)
    for text in ("First", "Second", "Third"):
        client_note_add(client_id=target.pk, actor=None, text=text)
    Contact.objects.create(client=target, first_name="C", last_name="D", email="c@example.com")

    for params in ({"clientid": target.pk}, {"email": "KEPT@example.com"}, {"clientid": source.pk}):
        details, queries = queries_of(call, **params)
        assert details["id"] == target.pk
        assert details["notes"] == "First\n\nSecond\n\nThird"  # oldest first, one text
        assert "c@example.com" in {row["email"] for row in details["contacts"]["contact"]}
        assert queries == 4


def test_details_without_notes_and_of_no_client(call):
    client = ClientFactory()
    details, queries = queries_of(call, clientid=client.pk)
    assert (details["notes"], queries) == ("", 4)
    assert call("GetClientsDetails", clientid=client.pk + 1)["message"] == "Client Not Found"
    assert call("GetClientsDetails", email="nobody@example.com")["message"] == "Client Not Found"
