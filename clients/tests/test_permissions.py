"""The two staff groups from the data migration, as a Support user meets them in the admin."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from clients.models import Client
from clients.tests.admin_forms import profile_post_data
from clients.tests.factories import ClientFactory, client_profile_data

pytestmark = pytest.mark.django_db


def test_billing_administrators_hold_every_billing_permission():
    codenames = set(
        Group.objects.get(name="Billing administrators").permissions.values_list(
            "content_type__app_label", "codename"
        )
    )
    for wanted in [
        ("clients", "change_client_status"),
        ("clients", "manage_client_credit"),
        ("clients", "adjust_client_balance"),
        ("clients", "change_client_billing"),
        ("clients", "delete_client"),
        ("credits", "view_creditentry"),
        ("invoices", "change_invoice"),
        ("transactions", "view_transaction"),
    ]:
        assert wanted in codenames


def test_support_staff_can_list_view_and_add_clients(support_client):
    customer = ClientFactory()

    assert support_client.get(reverse("admin:clients_client_changelist")).status_code == 200
    summary = reverse("admin:clients_client_summary", args=[customer.pk])
    assert support_client.get(summary).status_code == 200
    response = support_client.post(reverse("admin:clients_client_add"), client_profile_data())
    assert response.status_code == 302
    assert Client.objects.filter(email="ada@example.com").exists()


def test_support_staff_change_contact_details_only(support_client):
    customer = ClientFactory(city="London", currency="USD")
    url = reverse("admin:clients_client_change", args=[customer.pk])

    page = support_client.get(url).content.decode()
    assert 'name="city"' in page
    for forbidden in ["status", "credit_balance", "currency", "group", "tax_exempt"]:
        assert f'name="{forbidden}"' not in page

    data = profile_post_data(support_client, customer, city="Leeds")
    forged = {"status": "Closed", "credit_balance": "99.00", "currency": "EUR", "tax_exempt": "on"}
    response = support_client.post(url, {**data, **forged})

    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.city, customer.status, customer.credit_balance) == (
        "Leeds",
        "Active",
        Decimal("0.00"),
    )
    assert (customer.currency, customer.tax_exempt) == ("USD", False)
    assert not customer.events.exclude(field="city").exists()


@pytest.mark.parametrize(
    "method, url_name, args",
    [
        ("get", "admin:clients_client_delete", ["{pk}"]),
        ("post", "admin:clients_client_delete", ["{pk}"]),
        ("get", "admin:clients_client_delete_client", ["{pk}"]),
        ("post", "admin:clients_client_delete_client", ["{pk}"]),
        ("get", "admin:clients_client_credits", ["{pk}"]),
        ("post", "admin:clients_client_add_credit", ["{pk}"]),
        ("post", "admin:clients_client_remove_credit", ["{pk}"]),
        ("post", "admin:clients_client_close", ["{pk}"]),
        ("post", "admin:clients_client_bulk_status", ["inactive"]),
    ],
)
def test_support_staff_get_403_on_forbidden_actions(support_client, method, url_name, args):
    customer = ClientFactory()
    url = reverse(url_name, args=[arg.format(pk=customer.pk) for arg in args])

    # Django's own delete page redirects to the service-backed one, which refuses.
    response = getattr(support_client, method)(
        url, {"_selected_action": [customer.pk]}, follow=True
    )

    assert response.status_code == 403
    assert Client.objects.filter(pk=customer.pk, status="Active").exists()


def test_support_staff_see_no_forbidden_links_or_actions(support_client):
    customer = ClientFactory()

    summary = support_client.get(reverse("admin:clients_client_summary", args=[customer.pk]))
    changelist = support_client.get(reverse("admin:clients_client_changelist"))

    labels = {link.label for link in summary.context["quick_links"]}
    assert {"Edit Profile", "Send Welcome Email again"} <= labels
    assert not labels & {"Manage Credits", "Delete Client", "Close Client"}
    assert "Delete Client" not in summary.content.decode()
    # No status, delete or other actions at all: the action bar is not even shown.
    assert changelist.context["action_form"] is None


def test_billing_administrator_sees_every_quick_link(billing_client):
    customer = ClientFactory()

    summary = billing_client.get(reverse("admin:clients_client_summary", args=[customer.pk]))

    labels = [link.label for link in summary.context["quick_links"]]
    for label in ["Edit Profile", "Manage Credits", "Send Welcome Email again", "Delete Client"]:
        assert label in labels
    delete = next(link for link in summary.context["quick_links"] if link.label == "Delete Client")
    assert delete.css_class == "danger"
    assert labels.index("Delete Client") > labels.index("Send Welcome Email again")
    # Delete, in red, sits apart from Close Client, which has a colour of its own.
    close = next(link for link in summary.context["quick_links"] if link.label == "Close Client")
    assert close.css_class == "caution" and not close.set_apart
    assert summary.context["set_apart_links"] == [delete]
    assert delete not in summary.context["main_links"]
