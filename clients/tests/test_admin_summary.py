import pytest
from django.urls import reverse

from clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_summary_view_shows_client_and_quick_links(admin_client):
    client = ClientFactory()

    response = admin_client.get(reverse("admin:clients_client_summary", args=[client.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert client.email in content
    assert "Edit Profile" in content
    assert "Send Welcome Email again" in content
