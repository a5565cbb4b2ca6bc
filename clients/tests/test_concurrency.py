import threading

import pytest
from django.core.exceptions import ValidationError

from billing_admin.tests.threads import run_at_once
from clients.models import Client, ClientEvent
from clients.services import EMAIL_TAKEN, client_create, client_set_status
from clients.services import client as client_service
from clients.tests.factories import ClientFactory, client_profile_data


@pytest.mark.django_db(transaction=True)
def test_client_create_race_on_one_email_yields_one_client_and_a_field_error(monkeypatch):
    """Both requests pass the availability check; the unique index decides, as a field error."""
    both_checked = threading.Barrier(2, timeout=10)
    check = client_service.email_in_use

    def check_then_wait_for_the_other(email, exclude_pk=None):
        in_use = check(email, exclude_pk=exclude_pk)
        both_checked.wait()
        return in_use

    monkeypatch.setattr(client_service, "email_in_use", check_then_wait_for_the_other)

    results = run_at_once(
        lambda: client_create(actor=None, **client_profile_data(email="ada@example.com")),
        lambda: client_create(actor=None, **client_profile_data(email="ADA@example.com")),
    )

    created = [r for r in results if isinstance(r, Client)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(created) == 1 and len(refused) == 1, results
    assert refused[0].message_dict == {"email": [EMAIL_TAKEN]}
    assert Client.objects.count() == 1
    assert ClientEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_client_set_status_concurrent_changes_each_record_their_true_old_status():
    client = ClientFactory()

    run_at_once(
        lambda: client_set_status(client_id=client.pk, status="Inactive", actor=None),
        lambda: client_set_status(client_id=client.pk, status="Closed", actor=None),
    )

    client.refresh_from_db()
    events = list(client.events.order_by("id").values_list("old_value", "new_value"))
    # The row lock serialises them: the second one saw the first one's result.
    assert len(events) == 2
    assert events[0][0] == "Active"
    assert events[1][0] == events[0][1]
    assert client.status == events[1][1]
