"""Contact and note actions over HTTP: AddContact, UpdateContact, DeleteContact, GetContacts,
AddClientNote, and what GetClientsDetails, AddClient and UpdateClient say about them."""

import pytest

from api.tests.factories import add_client_params
from clients.models import Client, ClientEvent, ClientNote, Contact
from clients.services import client_note_add, contact_create
from clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_add_contact_with_whmcs_parameters_audited_with_the_credential(call, credential):
    customer = ClientFactory()

    answer = call(
        "AddContact",
        clientid=customer.pk,
        firstname="Bill",
        lastname="Payer",
        email="bill@example.com",
        country="gb",
        **{"email_preferences[invoice]": "1", "generalemails": "true", "productemails": "1"},
    )

    contact = Contact.objects.get()
    assert answer == {"result": "success", "contactid": contact.pk}
    assert (contact.client, contact.country) == (customer, "GB")
    assert (contact.general_emails, contact.invoice_emails, contact.statement_emails) == (
        True,
        True,
        False,
    )
    event = customer.events.get(kind=ClientEvent.Kind.CONTACT_ADDED)
    assert event.actor_label == f"API: {credential.identifier}"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"clientid": "999999"}, "Client ID Not Found"),
        ({"clientid": "abc"}, "Client ID Not Found"),
        ({"email": "DUP@example.com"}, "Duplicate Email Address"),
        ({"email": "not-an-email"}, "The email address entered is not valid"),
        ({"firstname": "a\x00b"}, "Invalid characters in firstname"),
        ({"country": "XX"}, "Valid country required"),
    ],
)
def test_add_contact_bad_input_is_an_error_and_writes_nothing(call, params, message):
    customer = ClientFactory()
    contact_create(client_id=customer.pk, actor=None, first_name="D", email="dup@example.com")
    data = {"clientid": customer.pk, "firstname": "Bill", "email": "bill@example.com", **params}

    answer = call("AddContact", **data)

    assert answer == {"result": "error", "message": message}
    assert Contact.objects.count() == 1


def test_update_contact_changes_only_what_is_sent(call):
    contact = contact_create(
        client_id=ClientFactory().pk,
        actor=None,
        first_name="Bill",
        email="bill@example.com",
        invoice_emails=True,
    )

    answer = call(
        "UpdateContact", contactid=contact.pk, email="new@example.com", billingcontact="1"
    )

    assert answer == {"result": "success", "contactid": contact.pk}
    contact.refresh_from_db()
    assert (contact.email, contact.first_name, contact.invoice_emails) == (
        "new@example.com",
        "Bill",
        True,
    )
    assert contact.is_billing_contact
    assert call("UpdateContact", contactid=999999) == {
        "result": "error",
        "message": "Contact ID Not Found",
    }


def test_delete_contact(call):
    contact = contact_create(
        client_id=ClientFactory().pk, actor=None, first_name="B", email="b@x.io"
    )

    assert call("DeleteContact", contactid=contact.pk) == {
        "result": "success",
        "contactid": contact.pk,
    }
    assert not Contact.objects.exists()
    assert call("DeleteContact", contactid=contact.pk)["message"] == "Contact ID Not Found"


def test_get_contacts_filters_and_pages(call):
    first, second = ClientFactory(), ClientFactory()
    for n in range(3):
        contact_create(client_id=first.pk, actor=None, first_name=f"C{n}", email=f"c{n}@x.io")
    contact_create(client_id=second.pk, actor=None, first_name="Other", email="c0@x.io")

    by_client = call("GetContacts", userid=first.pk, limitnum=2)
    by_email = call("GetContacts", email="C0@X.IO")
    by_name = call("GetContacts", firstname="other")

    assert (by_client["totalresults"], by_client["numreturned"]) == (3, 2)
    rows = by_client["contacts"]["contact"]
    assert [row["firstname"] for row in rows] == ["C0", "C1"]
    assert rows[0]["userid"] == first.pk
    assert sorted(row["userid"] for row in by_email["contacts"]["contact"]) == sorted(
        [first.pk, second.pk]
    )
    assert [row["firstname"] for row in by_name["contacts"]["contact"]] == ["Other"]
    assert call("GetContacts", firstname="Oth")["totalresults"] == 0  # exact, not a prefix


def test_get_clients_details_has_billingcid_and_contacts(call):
    customer = ClientFactory()
    contact = contact_create(
        client_id=customer.pk,
        actor=None,
        first_name="Bill",
        email="bill@example.com",
        is_billing_contact=True,
    )
    client_note_add(client_id=customer.pk, actor=None, text="First")

    details = call("GetClientsDetails", clientid=customer.pk)["client"]

    assert details["billingcid"] == contact.pk
    assert [row["email"] for row in details["contacts"]["contact"]] == ["bill@example.com"]
    assert details["notes"] == "First"
    other = call("GetClientsDetails", clientid=ClientFactory().pk)["client"]
    assert (other["billingcid"], other["contacts"]) == (0, {"contact": []})


def test_add_client_note_as_whmcs_documents_it(call, credential):
    customer = ClientFactory()

    answer = call("AddClientNote", userid=customer.pk, notes="Called", sticky="true")

    note = ClientNote.objects.get()
    assert answer == {"result": "success", "noteid": note.pk}
    assert (note.client, note.text, note.sticky) == (customer, "Called", True)
    assert (note.author, note.author_label) == (credential.user, f"API: {credential.identifier}")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"userid": "999999"}, "Client ID not found"),
        ({"notes": ""}, "Notes can not be empty"),
        (
            {"notes": "x" * 100_000},
            "text: Ensure this value has at most 10000 characters (it has 100000).",
        ),
        ({"notes": "a\x00b"}, "Invalid characters in notes"),
    ],
)
def test_add_client_note_bad_input_is_an_error_and_writes_nothing(call, params, message):
    customer = ClientFactory()

    answer = call("AddClientNote", **{"userid": customer.pk, "notes": "ok", **params})

    assert answer == {"result": "error", "message": message}
    assert not ClientNote.objects.exists()


def test_add_and_update_client_notes_param_adds_notes(call):
    answer = call("AddClient", **add_client_params(email="n@example.com", notes="From signup"))
    client = Client.objects.get(pk=answer["clientid"])

    call("UpdateClient", clientid=client.pk, notes="Second")

    assert [note.text for note in client.client_notes.order_by("id")] == ["From signup", "Second"]
