"""The credentials admin: create (secret shown once), change the role, revoke; never delete."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.urls import reverse

from api.models import ApiCredential
from api.services import credential_create, secret_digest

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:api_apicredential_add")
LIST_URL = reverse("admin:api_apicredential_changelist")


def test_admin_create_shows_the_secret_once_and_stores_its_digest(admin_client, admin_user):
    response = admin_client.post(
        ADD_URL,
        {
            "name": "Billing sync",
            "user": admin_user.pk,
            "allowed_actions": ["GetClients", "AddCredit"],
            "allowed_ips": "203.0.113.7\n10.0.0.0/8",
        },
    )
    assert response.status_code == 302
    credential = ApiCredential.objects.get()
    assert credential.allowed_actions == ["AddCredit", "GetClients"]
    assert credential.allowed_ips == ["203.0.113.7/32", "10.0.0.0/8"]
    assert credential.user == admin_user
    assert credential.created_by == admin_user.username
    (secret_message,) = [str(m) for m in get_messages(response.wsgi_request) if "Secret:" in str(m)]
    secret = secret_message.split("Secret: ")[1].split(" ")[0]
    assert credential.secret_hash == secret_digest(secret)
    change_url = reverse("admin:api_apicredential_change", args=[credential.pk])
    assert secret in admin_client.get(change_url).content.decode()  # the one showing
    assert secret not in admin_client.get(change_url).content.decode()


def test_admin_create_rejects_bad_ip_with_a_field_error(admin_client, admin_user):
    response = admin_client.post(
        ADD_URL, {"name": "x", "user": admin_user.pk, "allowed_ips": "not-an-ip"}
    )
    assert response.status_code == 200
    assert "Not an IP address or network: not-an-ip." in response.content.decode()
    assert not ApiCredential.objects.exists()


def test_admin_change_updates_role_but_keeps_the_secret(admin_client, admin_user):
    credential, _ = credential_create(
        name="old", user=admin_user, allowed_actions=["GetClients"], allowed_ips=[], actor=None
    )
    response = admin_client.post(
        reverse("admin:api_apicredential_change", args=[credential.pk]),
        {"name": "new", "allowed_actions": ["GetInvoices"], "allowed_ips": "192.0.2.1"},
    )
    assert response.status_code == 302
    updated = ApiCredential.objects.get()
    assert (updated.name, updated.allowed_actions, updated.allowed_ips) == (
        "new",
        ["GetInvoices"],
        ["192.0.2.1/32"],
    )
    assert updated.secret_hash == credential.secret_hash


def test_admin_revoke_selected_asks_first(admin_client, admin_user):
    credential, _ = credential_create(
        name="Old sync", user=admin_user, allowed_actions=[], allowed_ips=[], actor=None
    )
    selection = {"action": "revoke_selected", "_selected_action": [credential.pk]}
    page = admin_client.post(LIST_URL, selection)
    assert page.status_code == 200
    assert "Revoke API credentials?" in page.content.decode()
    assert credential.identifier in page.content.decode()
    credential.refresh_from_db()
    assert not credential.is_revoked
    response = admin_client.post(LIST_URL, {**selection, "confirm": "yes"})
    assert response.status_code == 302
    credential.refresh_from_db()
    assert credential.is_revoked
    assert credential.revoked_by == admin_user.username


def test_admin_revoke_needs_change_permission(client, staff_user, admin_user):
    credential, _ = credential_create(
        name="x", user=admin_user, allowed_actions=[], allowed_ips=[], actor=None
    )
    staff_user.user_permissions.add(Permission.objects.get(codename="view_apicredential"))
    client.force_login(staff_user)
    response = client.post(
        LIST_URL,
        {"action": "revoke_selected", "_selected_action": [credential.pk], "confirm": "yes"},
    )
    assert response.status_code in (200, 302)
    credential.refresh_from_db()
    assert not credential.is_revoked


def test_admin_cannot_delete_credentials(admin_client, admin_user):
    credential, _ = credential_create(
        name="x", user=admin_user, allowed_actions=[], allowed_ips=[], actor=None
    )
    url = reverse("admin:api_apicredential_delete", args=[credential.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert ApiCredential.objects.exists()


def test_admin_list_query_count_is_constant(
    admin_client, admin_user, django_assert_max_num_queries
):
    credential_create(name="a", user=admin_user, allowed_actions=[], allowed_ips=[], actor=None)
    with django_assert_max_num_queries(20) as few:
        assert admin_client.get(LIST_URL).status_code == 200
    baseline = len(few)
    for n in range(10):
        credential_create(
            name=f"n{n}", user=admin_user, allowed_actions=[], allowed_ips=[], actor=None
        )
    with django_assert_max_num_queries(baseline):
        assert admin_client.get(LIST_URL).status_code == 200
