"""The client list's "Mark selected clients Active / Inactive / Closed" actions."""

from urllib.parse import urlencode

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from clients.models import Client, ClientEvent
from clients.tests.factories import ClientFactory
from invoices.tests.factories import ClientServiceFactory

pytestmark = pytest.mark.django_db

ACTIVE, INACTIVE, CLOSED = Client.Status.ACTIVE, Client.Status.INACTIVE, Client.Status.CLOSED
CHANGELIST = reverse("admin:clients_client_changelist")
STATUS_ACTIONS = {"mark_active_selected", "mark_inactive_selected", "mark_closed_selected"}


def confirm_url(status: str, **params) -> str:
    return reverse("admin:clients_client_bulk_status", args=[status]) + "?" + urlencode(params)


def run_action(http_client, action: str, clients, list_query: str = "", **extra):
    return http_client.post(
        f"{CHANGELIST}?{list_query}",
        {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in clients], **extra},
    )


def offered_actions(changelist_page) -> set[str]:
    action_form = changelist_page.context["action_form"]
    if action_form is None:
        return set()
    return {name for name, _ in action_form.fields["action"].choices}


def statuses() -> dict[int, str]:
    return dict(Client.objects.values_list("pk", "status"))


def status_events():
    return ClientEvent.objects.filter(kind=ClientEvent.Kind.STATUS_CHANGED)


@pytest.fixture
def editor_client(client, staff_user):
    """Staff who may view and edit clients but not change their status."""
    staff_user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="clients", codename__in=["view_client", "change_client"]
        )
    )
    client.force_login(staff_user)
    return client


def test_mark_selected_shows_counts_then_changes_on_confirmation(
    admin_client, admin_user, django_assert_max_num_queries
):
    active, serving = ClientFactory.create_batch(2)
    ClientServiceFactory(client=serving)
    already = ClientFactory(status=INACTIVE)
    bystander = ClientFactory()

    response = run_action(admin_client, "mark_inactive_selected", [active, serving, already])

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:clients_client_bulk_status", args=["inactive"]))
    with django_assert_max_num_queries(6):  # session, user, perms, selection counts
        page = admin_client.get(response.url)
    assert page.status_code == 200
    preview = page.context["preview"]
    assert (preview.total, preview.already, preview.to_change) == (3, 1, 2)
    assert preview.with_active_services == 1
    assert "Yes, mark 2 clients Inactive" in page.content.decode()
    assert statuses()[active.pk] == ACTIVE  # the page itself changes nothing

    done = admin_client.post(response.url, follow=True)

    assert done.redirect_chain[-1][0].startswith(CHANGELIST)
    assert "Changed 2 clients to Inactive (1 already Inactive)." in done.content.decode()
    assert statuses() == {
        active.pk: INACTIVE,
        serving.pk: INACTIVE,
        already.pk: INACTIVE,
        bystander.pk: ACTIVE,
    }
    assert sorted(status_events().values_list("client_id", "old_value", "actor_user")) == [
        (active.pk, ACTIVE, admin_user.pk),
        (serving.pk, ACTIVE, admin_user.pk),
    ]


def test_mark_selected_across_every_page_uses_the_list_filters(admin_client):
    inactive = ClientFactory.create_batch(3, status=INACTIVE)
    closed = ClientFactory(status=CLOSED)

    response = run_action(
        admin_client,
        "mark_active_selected",
        inactive[:1],
        "status__exact=Inactive",
        select_across="1",
    )
    page = admin_client.get(response.url)

    assert page.context["preview"].total == 3
    admin_client.post(response.url)
    assert statuses() == {**{c.pk: ACTIVE for c in inactive}, closed.pk: CLOSED}


def test_mark_selected_confirmation_page_query_count_does_not_grow(
    admin_client, django_assert_max_num_queries
):
    ClientFactory.create_batch(30)

    with django_assert_max_num_queries(6):
        page = admin_client.get(confirm_url("closed", ids=",".join(str(pk) for pk in statuses())))

    assert page.context["preview"].total == 30


def test_mark_selected_actions_hidden_without_the_status_permission(editor_client):
    page = editor_client.get(CHANGELIST)

    assert page.status_code == 200
    assert not offered_actions(page) & STATUS_ACTIONS
    assert "Mark selected clients" not in page.content.decode()


def test_mark_selected_actions_offered_with_the_status_permission(admin_client):
    page = admin_client.get(CHANGELIST)

    assert STATUS_ACTIONS <= offered_actions(page)


@pytest.mark.parametrize("method", ["get", "post"])
def test_mark_selected_confirmation_forbidden_without_the_status_permission(editor_client, method):
    customer = ClientFactory()

    response = getattr(editor_client, method)(confirm_url("closed", ids=str(customer.pk)))

    assert response.status_code == 403
    assert statuses() == {customer.pk: ACTIVE}
    assert not status_events().exists()


@pytest.mark.parametrize("ids", ["", "1,x", "99999999999999999999"])
def test_mark_selected_with_an_unreadable_selection_changes_nothing(admin_client, ids):
    customer = ClientFactory()

    response = admin_client.post(confirm_url("closed", ids=ids), follow=True)

    assert "could not be read" in response.content.decode()
    assert statuses() == {customer.pk: ACTIVE}


def test_mark_selected_with_an_unknown_status_is_not_found(admin_client):
    customer = ClientFactory()

    assert admin_client.post(confirm_url("dormant", ids=str(customer.pk))).status_code == 404
    assert statuses() == {customer.pk: ACTIVE}
