"""The notes log: adding, editing and deleting notes (own notes, or anyone's for billing
administrators), the history keeping old text, and sticky notes on every page about a client."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from clients.models import NOTE_MAX_LENGTH, ClientEvent, ClientNote
from clients.services import (
    NOTE_EMPTY,
    client_create,
    client_note_add,
    client_note_delete,
    client_note_update,
)
from clients.tests.factories import ClientFactory, client_profile_data
from conftest import BILLING_ADMINISTRATORS, SUPPORT_STAFF

pytestmark = pytest.mark.django_db

STICKY = "Pays only by bank transfer"


@pytest.fixture
def support_user(staff_in_group):
    return staff_in_group(SUPPORT_STAFF, username="sam")


@pytest.fixture
def billing_admin(staff_in_group):
    return staff_in_group(BILLING_ADMINISTRATORS, username="bea")


def test_client_note_add_records_author_and_time(admin_user):
    customer = ClientFactory()

    note = client_note_add(client_id=customer.pk, actor=admin_user, text="  Called  ", sticky=True)

    assert (note.text, note.sticky, note.author, note.author_label, note.edited_at) == (
        "Called",
        True,
        admin_user,
        admin_user.username,
        None,
    )


@pytest.mark.parametrize(
    "text", ["", "   ", "x" * (NOTE_MAX_LENGTH + 1), "x" * 100_000, "nul\x00byte"]
)
def test_client_note_add_refuses_bad_text_and_writes_nothing(text):
    customer = ClientFactory()

    with pytest.raises(ValidationError):
        client_note_add(client_id=customer.pk, actor=None, text=text)

    assert not ClientNote.objects.exists()


def test_client_create_turns_its_notes_into_the_first_note(admin_user):
    customer = client_create(actor=admin_user, notes="VIP", **client_profile_data())

    assert [(n.text, n.author) for n in customer.client_notes.all()] == [("VIP", admin_user)]


def test_editing_keeps_the_old_text_in_the_history(support_user):
    customer = ClientFactory()
    note = client_note_add(client_id=customer.pk, actor=support_user, text="Old")

    client_note_update(note_id=note.pk, actor=support_user, text="New", sticky=True)

    note.refresh_from_db()
    assert (note.text, note.sticky) == ("New", True)
    assert note.edited_at is not None
    events = customer.events.filter(kind=ClientEvent.Kind.NOTE_EDITED)
    assert {(e.field, e.old_value, e.new_value) for e in events} == {
        (f"note #{note.pk} text", "Old", "New"),
        (f"note #{note.pk} sticky", "False", "True"),
    }


def test_deleting_keeps_the_text_in_the_history(support_user):
    customer = ClientFactory()
    note = client_note_add(client_id=customer.pk, actor=support_user, text="Gone but kept")

    client_note_delete(note_id=note.pk, actor=support_user)

    assert not ClientNote.objects.exists()
    event = customer.events.get(kind=ClientEvent.Kind.NOTE_DELETED)
    assert (event.old_value, event.actor_user) == ("Gone but kept", support_user)


def test_migration_turns_the_old_notes_field_into_each_clients_first_note():
    """clients 0010's SQL, run against the old ``notes`` column put back for the test (DDL is
    transactional in PostgreSQL: the test's rollback takes it away again)."""
    import importlib

    from django.db import connection

    migration = importlib.import_module("clients.migrations.0010_contacts_and_notes")
    with connection.cursor() as cursor:
        # Before any row is written: PostgreSQL alters no table with deferred checks pending.
        cursor.execute("ALTER TABLE clients_client ADD COLUMN notes text NOT NULL DEFAULT ''")
    with_notes, without = ClientFactory(), ClientFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clients_client SET notes = %s WHERE id = %s",
            ["Prefers email.\nVAT: GB123", with_notes.pk],
        )
        cursor.execute(migration.COPY_NOTES_INTO_LOG)

    note = ClientNote.objects.get()
    with_notes.refresh_from_db()
    assert (note.client_id, note.text, note.sticky, note.author, note.author_label) == (
        with_notes.pk,
        "Prefers email.\nVAT: GB123",
        False,
        None,
        "system",
    )
    assert note.created_at == with_notes.updated_at
    assert not without.client_notes.exists()

    # Backwards: the log, oldest first, back into the one field.
    client_note_add(client_id=with_notes.pk, actor=None, text="Later note")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE clients_client SET notes = ''")
        cursor.execute(migration.COPY_LOG_INTO_NOTES)
        cursor.execute("SELECT id, notes FROM clients_client ORDER BY id")
        assert cursor.fetchall() == [
            (with_notes.pk, "Prefers email.\nVAT: GB123\n\nLater note"),
            (without.pk, ""),
        ]


def test_staff_cannot_change_someone_elses_note_but_billing_admins_can(
    support_user, billing_admin, django_user_model
):
    customer = ClientFactory()
    colleague = django_user_model.objects.create_user("col", is_staff=True)
    note = client_note_add(client_id=customer.pk, actor=colleague, text="Mine")

    with pytest.raises(PermissionDenied):
        client_note_update(note_id=note.pk, actor=support_user, text="Hijacked")
    with pytest.raises(PermissionDenied):
        client_note_delete(note_id=note.pk, actor=support_user)
    note.refresh_from_db()
    assert note.text == "Mine" and not customer.events.exists()

    client_note_update(note_id=note.pk, actor=billing_admin, text="Corrected")
    client_note_delete(note_id=note.pk, actor=billing_admin)
    assert not ClientNote.objects.exists()


def test_edit_with_empty_text_is_refused():
    note = client_note_add(client_id=ClientFactory().pk, actor=None, text="Keep")

    with pytest.raises(ValidationError) as error:
        client_note_update(note_id=note.pk, actor=None, text="  ")

    assert error.value.message_dict == {"text": [NOTE_EMPTY]}
    note.refresh_from_db()
    assert note.text == "Keep"


# ---- sticky notes on the client's pages ---------------------------------------------------


@pytest.fixture
def sticky_client(admin_user):
    customer = ClientFactory()
    client_note_add(client_id=customer.pk, actor=admin_user, text=STICKY, sticky=True)
    client_note_add(client_id=customer.pk, actor=admin_user, text="Not sticky")
    return customer


def client_pages(customer) -> dict[str, str]:
    from invoices.services import invoice_create

    invoice = invoice_create(
        client_id=customer.pk, items=[{"description": "Hosting", "amount": "5.00"}], actor=None
    )
    return {
        "summary": reverse("admin:clients_client_summary", args=[customer.pk]),
        "profile": reverse("admin:clients_client_change", args=[customer.pk]),
        "manage credits popup": reverse("admin:clients_client_credits", args=[customer.pk])
        + "?_popup=1",
        "add credit": reverse("admin:clients_client_add_credit", args=[customer.pk]),
        "delete confirmation": reverse("admin:clients_client_delete_client", args=[customer.pk]),
        "close confirmation": reverse("admin:clients_client_close", args=[customer.pk]),
        "invoice page": reverse("admin:invoices_invoice_change", args=[invoice.pk]),
        "create invoice": reverse("admin:invoices_invoice_add") + f"?client={customer.pk}",
        "invoices tab": reverse("admin:invoices_invoice_changelist") + f"?client={customer.pk}",
        "transactions tab": reverse("admin:transactions_transaction_changelist")
        + f"?client={customer.pk}",
    }


def test_sticky_notes_show_on_every_page_about_the_client(admin_client, sticky_client):
    for name, url in client_pages(sticky_client).items():
        page = admin_client.get(url).content.decode()
        assert 'class="warning sticky-note"' in page, name
        assert STICKY in page, name
        assert "Not sticky" not in page.split("sticky-notes", 1)[1].split("</ul>", 1)[0], name


def test_another_clients_list_and_the_plain_invoice_list_show_no_banner(
    admin_client, sticky_client
):
    other = ClientFactory()
    for url in (
        reverse("admin:invoices_invoice_changelist"),
        reverse("admin:invoices_invoice_changelist") + f"?client={other.pk}",
        reverse("admin:invoices_invoice_add"),
    ):
        assert "sticky-notes" not in admin_client.get(url).content.decode(), url


def test_no_banner_without_sticky_notes(admin_client):
    customer = ClientFactory()
    client_note_add(client_id=customer.pk, actor=None, text="Plain")

    page = admin_client.get(reverse("admin:clients_client_summary", args=[customer.pk]))

    assert "sticky-notes" not in page.content.decode()


# ---- admin --------------------------------------------------------------------------------


def test_admin_adds_a_note_and_returns_to_the_summary(admin_client, admin_user):
    customer = ClientFactory()

    response = admin_client.post(
        reverse("admin:clients_clientnote_add"),
        {"client": customer.pk, "text": "Called about renewal", "sticky": "on"},
    )

    assert response["Location"] == reverse("admin:clients_client_summary", args=[customer.pk])
    note = customer.client_notes.get()
    assert (note.text, note.sticky, note.author) == ("Called about renewal", True, admin_user)


@pytest.mark.parametrize("text", ["x" * 100_000, "a\x00b", ""])
def test_admin_refuses_bad_note_text_with_an_error(admin_client, text):
    customer = ClientFactory()

    response = admin_client.post(
        reverse("admin:clients_clientnote_add"), {"client": customer.pk, "text": text}
    )

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not ClientNote.objects.exists()


def test_support_staff_edit_their_own_notes_only(client, support_user, django_user_model):
    customer = ClientFactory()
    own = client_note_add(client_id=customer.pk, actor=support_user, text="Own")
    colleague = django_user_model.objects.create_user("col", is_staff=True)
    theirs = client_note_add(client_id=customer.pk, actor=colleague, text="Theirs")
    client.force_login(support_user)

    edit_own = client.post(
        reverse("admin:clients_clientnote_change", args=[own.pk]),
        {"text": "Own, edited", "sticky": ""},
    )
    edit_theirs = client.post(
        reverse("admin:clients_clientnote_change", args=[theirs.pk]),
        {"text": "Hijacked", "sticky": ""},
    )
    delete_theirs = client.post(
        reverse("admin:clients_clientnote_delete", args=[theirs.pk]), {"post": "yes"}
    )
    summary = client.get(reverse("admin:clients_client_summary", args=[customer.pk]))

    assert edit_own.status_code == 302
    assert edit_theirs.status_code == 403 and delete_theirs.status_code == 403
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert (own.text, theirs.text) == ("Own, edited", "Theirs")
    page = summary.content.decode()
    assert reverse("admin:clients_clientnote_change", args=[own.pk]) in page
    assert reverse("admin:clients_clientnote_change", args=[theirs.pk]) not in page


def test_admin_delete_keeps_the_text_in_the_history(admin_client):
    customer = ClientFactory()
    note = client_note_add(client_id=customer.pk, actor=None, text="Old news")

    response = admin_client.post(
        reverse("admin:clients_clientnote_delete", args=[note.pk]), {"post": "yes"}
    )

    assert response["Location"] == reverse("admin:clients_client_summary", args=[customer.pk])
    assert customer.events.get(kind=ClientEvent.Kind.NOTE_DELETED).old_value == "Old news"


def test_all_notes_link_lists_only_that_clients_notes(admin_client):
    customer, other = ClientFactory(), ClientFactory()
    client_note_add(client_id=customer.pk, actor=None, text="Mine")
    client_note_add(client_id=other.pk, actor=None, text="Other's")

    response = admin_client.get(
        reverse("admin:clients_clientnote_changelist"), {"client": customer.pk}
    )

    assert response.status_code == 200
    assert [note.text for note in response.context["cl"].result_list] == ["Mine"]
    tabs = {tab.key: tab for tab in response.context["client_tabs"]}
    assert tabs["notes"].current and tabs["notes"].count == 1
    assert tabs["contacts"].count == 0
