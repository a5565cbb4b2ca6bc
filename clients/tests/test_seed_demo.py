from io import StringIO

import pytest
from django.core.management import call_command

from clients.management.commands.seed_demo import DEMO_CLIENT_COUNT
from clients.models import Client, ClientEvent

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_clients_in_every_status_once():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo", stdout=out)

    assert Client.objects.count() == DEMO_CLIENT_COUNT
    statuses = set(Client.objects.values_list("status", flat=True))
    assert statuses == {"Active", "Inactive", "Closed"}
    # Statuses were set through the service, so each one has its history row.
    changed = Client.objects.exclude(status="Active").count()
    assert ClientEvent.objects.filter(kind=ClientEvent.Kind.STATUS_CHANGED).count() == changed
    assert "already loaded" in out.getvalue()
