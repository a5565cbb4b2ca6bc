"""Every URL of the project, walked from the resolver with the pks of real objects:

- a GET, even by a superuser, changes nothing (no state change on GET);
- a POST without a CSRF token is refused with 403 (only the API is exempt: it authenticates each
  call with its credentials, not a session cookie).
"""

import re

import pytest
from django.apps import apps
from django.urls import get_resolver

from api.services import credential_create
from billing_admin.tests.snapshots import billing_state
from billing_admin.tests.test_url_access import PUBLIC, walk
from clients.models import ClientGroup
from clients.services import client_delete
from clients.tests.factories import ClientFactory
from invoices.services import transactions_delete
from invoices.tests.factories import ClientServiceFactory
from transactions.tests.factories import make_transaction

pytestmark = pytest.mark.django_db

API_ROUTES = {r"^includes/api\.php$", r"^api\.php$"}
MODEL_ROUTE = re.compile(r"^admin/(?P<app_label>\w+)/(?P<model_name>\w+)/")
NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")


def all_routes() -> list[str]:
    return sorted({"^" + route.replace("\\Z", "$") for route in walk(get_resolver().url_patterns)})


def concrete_path(route: str, *, object_id: str | None = None) -> str:
    """The route with each group filled in: ``object_id`` if given, else an existing object's
    pk where the route names one, else a plausible value."""
    if object_id is None:
        object_id = _first_pk(route)

    def value(group: re.Match) -> str:
        name = group["name"]
        if name == "object_id" and object_id is not None:
            return object_id
        return {"status": "inactive", "app_label": "clients", "url": "", "id": "1"}.get(name, "1")

    path = NAMED_GROUP.sub(value, route)
    return "/" + path.lstrip("^").rstrip("$").replace("\\", "")


def _first_pk(route: str) -> str | None:
    match = MODEL_ROUTE.match(route.lstrip("^"))
    try:
        model = apps.get_model(match["app_label"], match["model_name"]) if match else None
    except LookupError:
        return None
    pk = model.objects.order_by("pk").values_list("pk", flat=True).first() if model else None
    return None if pk is None else str(pk)


@pytest.fixture
def every_kind_of_row(world, admin_user):
    """At least one row of every model with an admin page, made through the services."""
    ClientGroup.objects.create(name="Resellers")
    ClientServiceFactory(client=world.client)
    client_delete(client_id=ClientFactory().pk, actor=admin_user)
    transactions_delete(ids=[make_transaction(client=world.client).pk], actor=admin_user)
    credential_create(
        name="Sync", user=admin_user, allowed_actions=[], allowed_ips=[], actor=admin_user
    )
    return world


def test_the_walk_covers_the_custom_pages():
    routes = all_routes()
    for page in ("summary", "credits/add", "delete\\-client", "close", "apply_credit"):
        assert any(page in route for route in routes), page


def test_no_get_changes_anything(admin_client, every_kind_of_row):
    world = every_kind_of_row
    before = billing_state()
    answered = {}

    for route in all_routes():
        path = concrete_path(route)
        answered[path] = admin_client.get(path).status_code
    # The bulk status page with a real selection is only a preview.
    bulk_preview = admin_client.get(
        "/admin/clients/client/bulk-status/closed/", {"ids": world.client.pk}
    )

    assert billing_state() == before
    assert 500 not in answered.values()
    assert answered[f"/admin/clients/client/{world.client.pk}/delete-client/"] == 200
    assert answered[f"/admin/invoices/invoice/{world.invoice.pk}/add_payment/"] == 405
    assert bulk_preview.status_code == 200


@pytest.fixture
def csrf_checked_superuser(login):
    return login("superuser", enforce_csrf_checks=True)


def test_every_post_without_a_csrf_token_is_refused(csrf_checked_superuser, every_kind_of_row):
    before = billing_state()
    refused = []

    for route in all_routes():
        if route in API_ROUTES:
            continue
        response = csrf_checked_superuser.post(concrete_path(route), {"post": "yes"})
        if response.status_code != 403:
            refused.append((route, response.status_code))

    assert refused == []
    assert billing_state() == before


def test_the_api_is_the_only_csrf_exempt_url():
    assert API_ROUTES <= set(all_routes())
    assert {route for route in PUBLIC if "api" in route} == API_ROUTES
