"""A merged client's old id over the API: reads and credit follow the merge, deletes do not."""

import pytest

from clients.models import Client
from clients.tests.factories import ClientFactory
from merges.services import client_merge

pytestmark = pytest.mark.django_db


@pytest.fixture
def merged():
    source = ClientFactory(email="old@example.com")
    target = ClientFactory(email="kept@example.com")
    client_merge(source_id=source.pk, target_id=target.pk, actor=None)
    return source.pk, target


def test_old_id_answers_for_the_client_it_went_into(call, merged):
    old_id, target = merged
    details = call("GetClientsDetails", clientid=old_id)
    assert details["result"] == "success"
    assert (details["client"]["id"], details["client"]["email"]) == (target.pk, "kept@example.com")
    credit = call("AddCredit", clientid=old_id, description="Refund", amount="3.00")
    assert credit["newbalance"] == "3.00"
    assert call("GetCredits", clientid=old_id)["totalresults"] == 1
    assert call("GetInvoices", userid=old_id)["result"] == "success"


def test_old_id_is_not_deleted_or_closed_by_mistake(call, merged):
    old_id, target = merged
    assert call("DeleteClient", clientid=old_id)["message"] == "Client ID Not Found"
    assert call("CloseClient", clientid=old_id)["message"] == "Client ID Not Found"
    assert Client.objects.get(pk=target.pk).status == Client.Status.ACTIVE


def test_update_client_by_the_old_id_changes_the_client_it_went_into(call, merged):
    old_id, target = merged
    answer = call("UpdateClient", clientid=old_id, city="Leeds")
    assert answer == {"result": "success", "clientid": str(target.pk)}
    assert Client.objects.get(pk=target.pk).city == "Leeds"
