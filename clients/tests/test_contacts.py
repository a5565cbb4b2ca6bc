"""Contacts: the services (history, unique email per client, one billing contact), the CC
selector, the list search by a contact, and the admin pages reached from the Summary."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from billing_admin.tests.threads import run_at_once
from clients import selectors
from clients.models import CONTACT_EMAIL_TAKEN, Client, ClientEvent, Contact
from clients.selectors import (
    EmailKind,
    client_email_cc,
    clients_search,
    contact_search_client_ids,
)
from clients.services import (
    WELCOME_TEMPLATE,
    client_send_welcome_email,
    contact_create,
    contact_delete,
    contact_update,
)
from clients.tests.factories import ClientFactory
from emails.services import email_queue

pytestmark = pytest.mark.django_db


def add_contact(client, actor=None, **fields) -> Contact:
    data = {"first_name": "Bill", "last_name": "Payer", "email": "bill@example.com", **fields}
    return contact_create(client_id=client.pk, actor=actor, **data)


def test_contact_create_records_who_added_whom(admin_user):
    customer = ClientFactory()

    contact = add_contact(customer, admin_user, invoice_emails=True)

    event = customer.events.get()
    assert (event.kind, event.new_value, event.actor_user) == (
        ClientEvent.Kind.CONTACT_ADDED,
        "Bill Payer <bill@example.com>",
        admin_user,
    )
    assert list(customer.contacts.all()) == [contact]


def test_contact_create_refuses_a_duplicate_email_on_the_client_in_any_case():
    customer = ClientFactory()
    add_contact(customer)

    with pytest.raises(ValidationError) as error:
        add_contact(customer, email="BILL@example.com")

    assert error.value.message_dict == {"email": [CONTACT_EMAIL_TAKEN]}
    assert customer.contacts.count() == 1
    assert customer.events.count() == 1


def test_contact_email_may_equal_another_clients_or_contacts_email():
    first, second = ClientFactory(), ClientFactory()
    add_contact(first, email=second.email)

    add_contact(second, email=second.email.upper())
    add_contact(second, email="bill@example.com")
    add_contact(first, email="bill@example.com")

    assert Contact.objects.count() == 4


def test_database_enforces_one_billing_contact_a_client():
    customer = ClientFactory()
    add_contact(customer, is_billing_contact=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(
            client=customer, first_name="X", email="x@example.com", is_billing_contact=True
        )


def test_marking_a_billing_contact_moves_the_mark_and_records_both(admin_user):
    customer = ClientFactory()
    first = add_contact(customer, is_billing_contact=True)
    second = add_contact(customer, email="second@example.com")

    contact_update(contact_id=second.pk, actor=admin_user, is_billing_contact=True)

    assert list(customer.contacts.filter(is_billing_contact=True)) == [second]
    changes = customer.events.filter(kind=ClientEvent.Kind.CONTACT_CHANGED)
    assert {(e.field, e.old_value, e.new_value) for e in changes} == {
        (f"contact #{first.pk} billing contact", "Yes", "No"),
        (f"contact #{second.pk} billing contact", "No", "Yes"),
    }


def test_contact_update_records_each_changed_field_from_and_to(admin_user):
    contact = add_contact(ClientFactory())

    contact_update(
        contact_id=contact.pk, actor=admin_user, email="new@example.com", last_name="Payer"
    )

    event = contact.client.events.get(kind=ClientEvent.Kind.CONTACT_CHANGED)
    assert (event.field, event.old_value, event.new_value, event.actor_label) == (
        f"contact #{contact.pk} email",
        "bill@example.com",
        "new@example.com",
        admin_user.username,
    )


def test_contact_delete_keeps_who_it_was_in_the_history():
    contact = add_contact(ClientFactory())

    contact_delete(contact_id=contact.pk, actor=None)

    event = contact.client.events.get(kind=ClientEvent.Kind.CONTACT_REMOVED)
    assert event.old_value == "Bill Payer <bill@example.com>"
    assert not Contact.objects.exists()


@pytest.mark.parametrize("field", ["first_name", "email", "city"])
def test_contact_refuses_nul_characters_and_writes_nothing(field):
    customer = ClientFactory()

    with pytest.raises(ValidationError) as error:
        add_contact(customer, **{field: "bad\x00value"})

    assert field in error.value.message_dict
    assert not Contact.objects.exists() and not customer.events.exists()


def test_client_email_cc_lists_the_contacts_receiving_that_kind(django_assert_num_queries):
    customer = ClientFactory(email="owner@example.com")
    add_contact(customer, email="general@example.com", general_emails=True)
    add_contact(customer, email="invoices@example.com", invoice_emails=True)
    add_contact(customer, email="both@example.com", general_emails=True, invoice_emails=True)
    add_contact(customer, email="Owner@example.com", general_emails=True)  # already the To
    add_contact(customer, email="none@example.com")

    with django_assert_num_queries(1):
        general = client_email_cc(customer, EmailKind.GENERAL)

    assert sorted(general) == ["both@example.com", "general@example.com"]
    assert sorted(client_email_cc(customer, EmailKind.INVOICE)) == [
        "both@example.com",
        "invoices@example.com",
    ]
    assert client_email_cc(customer, EmailKind.STATEMENT) == []
    with django_assert_num_queries(0):
        assert client_email_cc(customer, EmailKind.WELCOME) == []
        assert client_email_cc(customer, "anything else") == []


def test_list_search_finds_a_client_by_a_contacts_email_or_name():
    customer = ClientFactory(first_name="Ada", last_name="Lovelace", company_name="")
    ClientFactory.create_batch(2)
    add_contact(customer, first_name="Charles", last_name="Babbage", email="cb@engines.example")

    for term in ["cb@engines", "CB@ENGINES.example", "babbage", "charles bab"]:
        assert list(clients_search(Client.objects.all(), term)) == [customer]


def test_list_search_by_contact_uses_the_contact_indexes():
    customer = ClientFactory()
    add_contact(customer)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        by_email = contact_search_client_ids("bill@ex").explain()
        by_name = contact_search_client_ids("payer").explain()
    assert "contact_email_prefix_idx" in by_email
    assert "contact_name_search_idx" in by_name
    assert "to_tsvector" not in by_name  # the stored column, not the names parsed again


def test_list_search_past_the_inline_limit_finds_the_same_clients(monkeypatch):
    clients = ClientFactory.create_batch(3)
    for customer in clients:
        add_contact(customer, last_name="Shared")
    own_match = ClientFactory(last_name="Shared")
    expected = {*clients, own_match}
    all_clients = Client.objects.all()
    assert set(clients_search(all_clients, "shared")) == expected

    monkeypatch.setattr(selectors, "CONTACT_MATCHES_INLINE", 2)

    assert set(clients_search(all_clients, "shared")) == expected
    assert set(clients_search(all_clients, "bill@")) == set(clients)


def test_list_search_by_contact_costs_one_query_more(django_assert_num_queries):
    add_contact(ClientFactory())

    with django_assert_num_queries(2):
        list(clients_search(Client.objects.all(), "bill"))


# ---- admin --------------------------------------------------------------------------------


def test_summary_shows_contacts_and_the_add_contact_link(
    admin_client, django_assert_max_num_queries
):
    customer = ClientFactory()
    add_contact(customer, is_billing_contact=True, invoice_emails=True)
    add_contact(customer, email="other@example.com", first_name="Olga")
    url = reverse("admin:clients_client_summary", args=[customer.pk])

    response = admin_client.get(url)

    page = response.content.decode()
    assert "Bill Payer" in page and "Olga" in page and "Billing contact" in page
    assert f"{reverse('admin:clients_contact_add')}?client={customer.pk}" in page
    add_contact(customer, email="third@example.com")
    with django_assert_max_num_queries(30):  # a constant: one query for all the contacts
        admin_client.get(url)


def contact_post_data(customer, **overrides) -> dict:
    return {
        "client": customer.pk,
        "first_name": "Bill",
        "last_name": "Payer",
        "company_name": "",
        "email": "bill@example.com",
        "phone_number": "",
        "address1": "",
        "address2": "",
        "city": "",
        "state": "",
        "postcode": "",
        "country": "",
        "general_emails": "on",
        **overrides,
    }


def test_admin_adds_a_contact_through_the_service_and_returns_to_the_summary(
    admin_client, admin_user
):
    customer = ClientFactory()

    response = admin_client.post(reverse("admin:clients_contact_add"), contact_post_data(customer))

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:clients_client_summary", args=[customer.pk])
    contact = customer.contacts.get()
    assert contact.general_emails and not contact.invoice_emails
    assert customer.events.get().actor_user == admin_user


def test_admin_refuses_a_duplicate_contact_email_with_a_field_error(admin_client):
    customer = ClientFactory()
    add_contact(customer)

    response = admin_client.post(
        reverse("admin:clients_contact_add"), contact_post_data(customer, email="Bill@Example.com")
    )

    assert response.status_code == 200
    assert CONTACT_EMAIL_TAKEN in response.content.decode()
    assert customer.contacts.count() == 1


@pytest.mark.parametrize("field", ["first_name", "company_name", "city", "email"])
def test_admin_refuses_nul_characters_with_a_field_error(admin_client, field):
    customer = ClientFactory()

    response = admin_client.post(
        reverse("admin:clients_contact_add"), contact_post_data(customer, **{field: "a\x00b"})
    )

    assert response.status_code == 200
    assert "Null characters are not allowed." in response.context["adminform"].form.errors[field]
    assert not Contact.objects.exists()
    assert not ClientEvent.objects.exists()


def test_admin_shows_a_rule_broken_after_the_form_checked_on_the_form(admin_client, monkeypatch):
    """The same contact email added meanwhile: the form's check passed, the service refuses, and
    staff see the form again as typed with the refusal above it, not a server error."""
    customer = ClientFactory()
    add_contact(customer)
    monkeypatch.setattr("clients.admin_contacts.contact_email_in_use", lambda *a, **k: False)
    url = reverse("admin:clients_contact_add")

    response = admin_client.post(url, contact_post_data(customer))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == [CONTACT_EMAIL_TAKEN]
    assert (form["first_name"].value(), form["email"].value()) == ("Bill", "bill@example.com")
    assert customer.contacts.count() == 1


def test_admin_edit_records_the_change_and_marks_billing_contact(admin_client):
    customer = ClientFactory()
    contact = add_contact(customer)
    other = add_contact(customer, email="other@example.com", is_billing_contact=True)

    response = admin_client.post(
        reverse("admin:clients_contact_change", args=[contact.pk]),
        contact_post_data(customer, email="billing@example.com", is_billing_contact="on"),
    )

    assert response.status_code == 302
    contact.refresh_from_db()
    other.refresh_from_db()
    assert (contact.email, contact.is_billing_contact, other.is_billing_contact) == (
        "billing@example.com",
        True,
        False,
    )


def test_make_billing_contact_button_is_post_only(admin_client):
    customer = ClientFactory()
    contact = add_contact(customer)
    url = reverse("admin:clients_contact_make_billing", args=[contact.pk])

    assert admin_client.get(url).status_code == 405
    response = admin_client.post(url)

    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.is_billing_contact


def test_admin_removes_a_contact_through_the_service(admin_client):
    customer = ClientFactory()
    contact = add_contact(customer)

    response = admin_client.post(
        reverse("admin:clients_contact_delete", args=[contact.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:clients_client_summary", args=[customer.pk])
    assert not customer.contacts.exists()
    assert customer.events.filter(kind=ClientEvent.Kind.CONTACT_REMOVED).exists()


@pytest.mark.django_db(transaction=True)
def test_two_staff_marking_different_billing_contacts_at_once_leave_exactly_one():
    customer = ClientFactory()
    contacts = [add_contact(customer, email=f"c{n}@example.com") for n in range(2)]

    results = run_at_once(
        *[
            lambda contact=contact: contact_update(
                contact_id=contact.pk, actor=None, is_billing_contact=True
            )
            for contact in contacts
        ]
    )

    assert all(isinstance(result, Contact) for result in results), results
    assert customer.contacts.filter(is_billing_contact=True).count() == 1


def test_a_general_email_is_one_message_to_the_client_with_its_contacts_on_cc(
    mailoutbox, django_capture_on_commit_callbacks
):
    customer = ClientFactory(email="owner@example.com")
    add_contact(customer, email="general@example.com", general_emails=True)
    add_contact(customer, email="invoices@example.com", invoice_emails=True)

    with django_capture_on_commit_callbacks(execute=True):
        # The welcome template stands in for any general email: the kind decides the CC.
        email_queue(
            client_id=customer.pk,
            kind=EmailKind.GENERAL,
            template=WELCOME_TEMPLATE,
            subject="News",
            actor=None,
        )
        client_send_welcome_email(client_id=customer.pk, actor=None)

    general, welcome = mailoutbox
    assert (general.to, general.cc) == (["owner@example.com"], ["general@example.com"])
    assert (welcome.to, welcome.cc) == (["owner@example.com"], [])
