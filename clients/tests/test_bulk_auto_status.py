"""manage.py auto_update_client_status: WHMCS's "Client Status Update" cron step."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from clients.models import Client, ClientEvent
from clients.tests.factories import ClientFactory
from invoices.models import ClientService
from invoices.tests.factories import ClientServiceFactory

pytestmark = pytest.mark.django_db

ACTIVE, INACTIVE, CLOSED = Client.Status.ACTIVE, Client.Status.INACTIVE, Client.Status.CLOSED
SERVICE = ClientService.Status


def auto_update(*args) -> str:
    out = StringIO()
    call_command("auto_update_client_status", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def client_with(status=ACTIVE, services=(), days_old=400, **fields) -> Client:
    """A client created ``days_old`` days ago holding services of the given statuses."""
    long_ago = timezone.now() - timedelta(days=days_old)
    customer = ClientFactory(status=status, **fields)
    Client.objects.filter(pk=customer.pk).update(created_at=long_ago)
    for service_status in services:
        ClientServiceFactory(client=customer, status=service_status, status_changed_at=long_ago)
    return customer


def statuses() -> dict[int, str]:
    return dict(Client.objects.values_list("pk", "status"))


def test_auto_update_client_status_follows_the_services():
    idle = client_with(services=[SERVICE.TERMINATED, SERVICE.CANCELLED])
    no_services = client_with()
    serving = client_with(services=[SERVICE.ACTIVE])
    suspended = client_with(services=[SERVICE.SUSPENDED])
    back = client_with(status=INACTIVE, services=[SERVICE.ACTIVE, SERVICE.TERMINATED])
    still_idle = client_with(status=INACTIVE, services=[SERVICE.SUSPENDED])
    closed = client_with(status=CLOSED, services=[SERVICE.ACTIVE])
    closed_idle = client_with(status=CLOSED)
    opted_out = client_with(override_auto_close=True)
    opted_out_back = client_with(
        status=INACTIVE, services=[SERVICE.ACTIVE], override_auto_close=True
    )

    out = auto_update()

    assert out.splitlines() == [
        "Changed 2 clients to Inactive (0 already Inactive, 0 not found)",
        "Changed 1 clients to Active (0 already Active, 0 not found)",
    ]
    assert statuses() == {
        idle.pk: INACTIVE,
        no_services.pk: INACTIVE,
        serving.pk: ACTIVE,
        suspended.pk: ACTIVE,
        back.pk: ACTIVE,
        still_idle.pk: INACTIVE,
        closed.pk: CLOSED,
        closed_idle.pk: CLOSED,
        opted_out.pk: ACTIVE,
        opted_out_back.pk: INACTIVE,
    }
    events = ClientEvent.objects.filter(kind=ClientEvent.Kind.STATUS_CHANGED)
    assert sorted(events.values_list("client_id", "old_value", "new_value", "actor_label")) == [
        (idle.pk, ACTIVE, INACTIVE, "system"),
        (no_services.pk, ACTIVE, INACTIVE, "system"),
        (back.pk, INACTIVE, ACTIVE, "system"),
    ]
    # Nothing is left to do, so a second run changes nothing.
    assert auto_update().splitlines() == [
        "Changed 0 clients to Inactive (0 already Inactive, 0 not found)",
        "Changed 0 clients to Active (0 already Active, 0 not found)",
    ]


def test_auto_update_client_status_waits_the_configured_days(settings):
    settings.AUTO_STATUS_INACTIVE_AFTER_DAYS = 30
    quiet = client_with(services=[SERVICE.TERMINATED])
    recently_terminated = client_with(services=[SERVICE.TERMINATED])
    recently_terminated.services.update(status_changed_at=timezone.now() - timedelta(days=3))
    new_client = client_with(days_old=10)

    auto_update()

    assert statuses() == {quiet.pk: INACTIVE, recently_terminated.pk: ACTIVE, new_client.pk: ACTIVE}


def test_auto_update_client_status_dry_run_changes_nothing():
    idle = client_with()
    back = client_with(status=INACTIVE, services=[SERVICE.ACTIVE])
    before = statuses()

    out = auto_update("--dry-run")

    summaries = [line for line in out.splitlines() if line.startswith("Dry run:")]
    assert summaries == [
        "Dry run: would change 1 clients to Inactive (0 already Inactive, 0 not found); "
        "nothing changed.",
        "Dry run: would change 1 clients to Active (0 already Active, 0 not found); "
        "nothing changed.",
    ]
    assert f"#{idle.pk} " in out and f"#{back.pk} " in out
    assert statuses() == before
    assert not ClientEvent.objects.filter(kind=ClientEvent.Kind.STATUS_CHANGED).exists()


def test_auto_update_client_status_can_be_disabled(settings):
    settings.AUTO_CLIENT_STATUS_CHANGE = False
    client_with()
    before = statuses()

    out = auto_update()

    assert "disabled" in out
    assert statuses() == before
