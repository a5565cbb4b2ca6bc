from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from clients.models import ClientEvent
from clients.tests.admin_forms import profile_post_data
from credits import services
from credits.models import CreditEntry
from credits.tests.assertions import assert_credit_invariant
from credits.tests.factories import ClientFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

# The staff groups the clients migrations create.
BILLING = ["Billing administrators"]
SUPPORT = ["Support staff"]


def credits_url(client, operation=None, popup=False):
    name = (
        f"admin:clients_client_{operation}_credit" if operation else "admin:clients_client_credits"
    )
    return reverse(name, args=[client.pk]) + ("?_popup=1" if popup else "")


def assert_unchanged(customer, balance="0.00", entries=0):
    customer.refresh_from_db()
    assert customer.credit_balance == Decimal(balance)
    assert customer.credit_entries.count() == entries
    assert not customer.events.filter(kind=ClientEvent.Kind.BALANCE_ADJUSTED).exists()


def test_manage_credits_lists_entries_balance_and_buttons(
    billing_client, django_assert_max_num_queries
):
    customer = ClientFactory(currency="EUR")
    for n in range(5):
        services.add_credit(client_id=customer.pk, amount="2.00", description=f"g{n}", actor=None)
    services.remove_credit(client_id=customer.pk, amount="1.50", description="Refund", actor=None)

    with django_assert_max_num_queries(8):  # session, user, perms, client, count, page
        response = billing_client.get(credits_url(customer, popup=True))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<strong data-credit-balance-client="{customer.pk}">8.50 EUR</strong>' in page
    assert [entry.description for entry in response.context["page"]] == [
        "Refund",
        "g4",
        "g3",
        "g2",
        "g1",
        "g0",
    ]
    assert "-1.50" in page
    assert credits_url(customer, "add", popup=True) in page
    assert credits_url(customer, "remove", popup=True) in page
    assert response.context["balance_update"] == {
        "client_id": customer.pk,
        "text": "8.50 EUR",
        "summary_path": reverse("admin:clients_client_summary", args=[customer.pk]),
    }
    assert 'id="credit-balance-update"' in page


def test_add_credit_in_the_popup_saves_and_returns_to_the_log(billing_client):
    customer = ClientFactory()
    form_page = billing_client.get(credits_url(customer, "add", popup=True))
    assert '<input type="hidden" name="_popup" value="1">' in form_page.content.decode()

    response = billing_client.post(
        credits_url(customer, "add"),
        {"description": "Goodwill", "amount": "25.10", "_popup": "1"},
        follow=True,
    )

    assert response.redirect_chain == [(credits_url(customer, popup=True), 302)]
    customer.refresh_from_db()
    assert customer.credit_balance == Decimal("25.10")
    entry = customer.credit_entries.get()
    assert (entry.amount, entry.kind, entry.description) == (
        Decimal("25.10"),
        CreditEntry.Kind.ADDED,
        "Goodwill",
    )
    assert entry.actor_user == response.wsgi_request.user
    assert list(response.context["page"]) == [entry]
    assert "Added 25.10 USD credit: Goodwill." in response.content.decode()
    assert response.context["balance_update"]["text"] == "25.10 USD"
    assert_credit_invariant()


def test_remove_credit_outside_a_popup_redirects_to_the_plain_page(billing_client):
    customer = ClientFactory()
    services.add_credit(client_id=customer.pk, amount="10.00", description="in", actor=None)

    response = billing_client.post(
        credits_url(customer, "remove"), {"description": "Refund", "amount": "10"}
    )

    assert response.status_code == 302
    assert response["Location"] == credits_url(customer)
    customer.refresh_from_db()
    assert customer.credit_balance == Decimal("0.00")
    entry = customer.credit_entries.first()
    assert (entry.amount, entry.kind) == (Decimal("-10.00"), CreditEntry.Kind.REMOVED)
    assert_credit_invariant()


def test_removing_more_than_the_balance_says_what_is_available(billing_client):
    customer = ClientFactory()
    services.add_credit(client_id=customer.pk, amount="10.00", description="in", actor=None)

    response = billing_client.post(
        credits_url(customer, "remove"), {"description": "Refund", "amount": "10.01"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "amount": ["Only 10.00 credit is available to remove."]
    }
    assert_unchanged(customer, "10.00", entries=1)


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        ("", "This field is required."),
        ("0", "The amount must be greater than zero."),
        ("0.00", "The amount must be greater than zero."),
        ("-5", "The amount must be greater than zero."),
        ("1.005", "Enter at most 2 decimal places."),
        ("1000000.01", "The amount cannot be more than 1000000.00."),
        ("99999999999999999999999", "The amount cannot be more than 1000000.00."),
        ("nan", "Enter the amount as a number, such as 10.00."),
        ("inf", "Enter the amount as a number, such as 10.00."),
        ("Infinity", "Enter the amount as a number, such as 10.00."),
        ("1e3", "Enter the amount as a number, such as 10.00."),
        ("1,000", "Enter the amount as a number, such as 10.00."),
        ("ten", "Enter the amount as a number, such as 10.00."),
    ],
)
@pytest.mark.parametrize("operation", ["add", "remove"])
def test_invalid_amounts_get_a_field_error_and_write_nothing(
    billing_client, operation, amount, error
):
    customer = ClientFactory()

    response = billing_client.post(
        credits_url(customer, operation), {"description": "x", "amount": amount}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"amount": [error]}
    assert_unchanged(customer)


def test_description_is_required(billing_client):
    customer = ClientFactory()
    response = billing_client.post(
        credits_url(customer, "add"), {"description": " ", "amount": "5"}
    )
    assert response.context["form"].errors == {"description": ["This field is required."]}
    assert_unchanged(customer)


def test_unknown_client_goes_back_to_the_client_list(billing_client):
    client_list = reverse("admin:clients_client_changelist")
    for url in (
        reverse("admin:clients_client_credits", args=[0]),
        "/admin/clients/client/abc/credits/",
    ):
        response = billing_client.get(url)
        assert (response.status_code, response["Location"]) == (302, client_list)


def test_support_staff_cannot_manage_credits(support_client):
    customer = ClientFactory()

    assert support_client.get(credits_url(customer)).status_code == 403
    assert support_client.get(credits_url(customer, "add")).status_code == 403
    response = support_client.post(
        credits_url(customer, "add"), {"description": "x", "amount": "5"}
    )

    assert response.status_code == 403
    assert_unchanged(customer)


def test_quick_link_opens_manage_credits_as_a_popup_only_for_permitted_staff(client):
    customer = ClientFactory()
    summary_url = reverse("admin:clients_client_summary", args=[customer.pk])

    client.force_login(StaffUserFactory(groups=BILLING))
    billing_links = client.get(summary_url).context["quick_links"]
    manage = [link for link in billing_links if link.label == "Manage Credits"]
    assert [(link.url, link.is_popup) for link in manage] == [(credits_url(customer), True)]

    client.force_login(StaffUserFactory(groups=SUPPORT))
    support_page = client.get(summary_url)
    assert "Manage Credits" not in [link.label for link in support_page.context["quick_links"]]
    assert credits_url(customer) not in support_page.content.decode()


def test_client_list_marks_balances_for_live_updates(admin_client):
    customer = ClientFactory()
    services.add_credit(client_id=customer.pk, amount="3.00", description="in", actor=None)

    response = admin_client.get(reverse("admin:clients_client_changelist"))

    page = response.content.decode()
    assert f'<span data-credit-balance-client="{customer.pk}">3.00 USD</span>' in page
    assert "credits/js/credit_balance.js" in page


def test_profile_credit_balance_edit_writes_history_but_no_credit_entry(admin_client):
    customer = ClientFactory()
    services.add_credit(client_id=customer.pk, amount="10.00", description="in", actor=None)

    response = admin_client.post(
        reverse("admin:clients_client_change", args=[customer.pk]),
        profile_post_data(admin_client, customer, credit_balance="42.50"),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    customer.refresh_from_db()
    assert customer.credit_balance == Decimal("42.50")
    assert customer.credit_entries.count() == 1
    event = customer.events.get(kind=ClientEvent.Kind.BALANCE_ADJUSTED)
    assert (event.old_value, event.new_value, event.balance_delta) == (
        "10.00",
        "42.50",
        Decimal("32.50"),
    )
    assert event.actor_user == response.wsgi_request.user
    assert_credit_invariant()


def test_profile_credit_balance_cannot_go_negative(admin_client):
    customer = ClientFactory()

    response = admin_client.post(
        reverse("admin:clients_client_change", args=[customer.pk]),
        profile_post_data(admin_client, customer, credit_balance="-1.00"),
    )

    assert response.status_code == 200
    assert "credit_balance" in response.context["adminform"].form.errors
    assert_unchanged(customer)


def test_support_staff_cannot_edit_the_credit_balance(support_client):
    customer = ClientFactory()

    response = support_client.post(
        reverse("admin:clients_client_change", args=[customer.pk]),
        profile_post_data(support_client, customer, credit_balance="99.00"),
    )

    assert response.status_code == 302
    assert_unchanged(customer)


def test_credit_log_admin_is_read_only(admin_client, django_assert_max_num_queries):
    customers = ClientFactory.create_batch(3)
    for customer in customers:
        services.add_credit(client_id=customer.pk, amount="4.00", description="Promo", actor=None)
    entry = CreditEntry.objects.first()

    with django_assert_max_num_queries(8):
        listing = admin_client.get(reverse("admin:credits_creditentry_changelist"))
    change_page = admin_client.get(reverse("admin:credits_creditentry_change", args=[entry.pk]))

    assert listing.status_code == 200
    assert len(listing.context["cl"].result_list) == 3
    summary_url = reverse("admin:clients_client_summary", args=[customers[0].pk])
    assert f'<a href="{summary_url}">{escape(customers[0])}</a>' in listing.content.decode()
    assert change_page.status_code == 200
    assert not change_page.context["has_change_permission"]
    assert admin_client.get(reverse("admin:credits_creditentry_add")).status_code == 403
    delete_url = reverse("admin:credits_creditentry_delete", args=[entry.pk])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert CreditEntry.objects.count() == 3


@pytest.mark.parametrize(("term", "expected"), [("promo", 1), ("{pk}", 1), ("nothing", 0)])
def test_credit_log_admin_search(admin_client, term, expected):
    customer, other = ClientFactory(), ClientFactory()
    services.add_credit(client_id=customer.pk, amount="1.00", description="Promo code", actor=None)
    services.add_credit(client_id=other.pk, amount="1.00", description="Goodwill", actor=None)

    response = admin_client.get(
        reverse("admin:credits_creditentry_changelist"), {"q": term.format(pk=customer.pk)}
    )

    assert [e.client_id for e in response.context["cl"].result_list] == [customer.pk] * expected


def test_submitting_the_same_form_twice_records_one_entry(billing_client):
    customer = ClientFactory()
    form_page = billing_client.get(credits_url(customer, "add", popup=True))
    request_key = form_page.context["form"]["request_key"].value()
    assert f'name="request_key" value="{request_key}"' in form_page.content.decode()
    data = {"description": "Goodwill", "amount": "5", "request_key": request_key, "_popup": "1"}

    first = billing_client.post(credits_url(customer, "add"), data)
    second = billing_client.post(credits_url(customer, "add"), data)

    assert first.status_code == second.status_code == 302
    assert_unchanged(customer, "5.00", entries=1)


def test_a_used_form_cannot_record_a_different_change(billing_client):
    customer = ClientFactory()
    key = "6f1c3f43-0a52-4c0e-9d1e-2f7b9a1c0001"
    billing_client.post(
        credits_url(customer, "add"), {"description": "x", "amount": "5", "request_key": key}
    )

    response = billing_client.post(
        credits_url(customer, "add"), {"description": "x", "amount": "6", "request_key": key}
    )

    assert response.context["form"].non_field_errors() == [services.REQUEST_KEY_REUSED]
    assert_unchanged(customer, "5.00", entries=1)
