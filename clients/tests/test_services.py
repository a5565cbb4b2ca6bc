from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clients.models import CONTACT_EMAIL_TAKEN, Client, ClientEvent, EmailLog
from clients.services import (
    CURRENCY_LOCKED,
    EMAIL_TAKEN,
    client_build,
    client_create,
    client_edit,
    client_send_welcome_email,
    client_set_status,
    client_update,
    clients_insert,
    contact_create,
)
from clients.services import client as client_service
from clients.services import contacts as contacts_service
from clients.tests.email_backends import MAIL_SERVER_DOWN
from clients.tests.factories import ClientFactory, ClientGroupFactory, client_profile_data
from credits.services import add_credit

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "clients.tests.email_backends.FailingEmailBackend"


def test_client_create_records_creation_and_starts_active(admin_user):
    client = client_create(actor=admin_user, **client_profile_data())

    assert client.status == Client.Status.ACTIVE
    assert client.credit_balance == Decimal("0.00")
    event = client.events.get()
    assert (event.kind, event.actor_user, event.actor_label) == (
        ClientEvent.Kind.CREATED,
        admin_user,
        admin_user.username,
    )


def test_client_create_rejects_email_taken_in_any_case():
    ClientFactory(email="ada@example.com")

    with pytest.raises(ValidationError) as excinfo:
        client_create(actor=None, **client_profile_data(email="  ADA@Example.COM "))

    assert excinfo.value.message_dict == {"email": [EMAIL_TAKEN]}
    assert Client.objects.count() == 1


def test_client_create_maps_the_database_constraint_to_the_email_error(monkeypatch):
    """Two requests racing past the check: the unique index answers with the same field error."""
    ClientFactory(email="ada@example.com")
    monkeypatch.setattr(client_service, "email_in_use", lambda email, exclude_pk=None: False)

    with pytest.raises(ValidationError) as excinfo:
        client_create(actor=None, **client_profile_data(email="Ada@example.com"))

    assert excinfo.value.message_dict == {"email": [EMAIL_TAKEN]}
    assert Client.objects.count() == 1


def test_clients_insert_maps_the_database_constraint_to_the_email_error(monkeypatch):
    """An import racing an Add New Client past its check: the same field error, nothing copied."""
    ClientFactory(email="ada@example.com")
    monkeypatch.setattr(client_service, "client_ids_by_email", lambda emails: [])
    clients = [client_build(**client_profile_data(email="ADA@example.com"))]

    with pytest.raises(ValidationError) as excinfo:
        clients_insert(clients=clients, actor=None)

    assert excinfo.value.message_dict == {"email": [EMAIL_TAKEN]}
    assert Client.objects.count() == 1


def test_contact_save_maps_the_database_constraint_to_the_email_error(monkeypatch):
    customer = ClientFactory()
    contact_create(client_id=customer.pk, actor=None, first_name="Bill", email="bill@example.com")
    monkeypatch.setattr(contacts_service, "contact_email_in_use", lambda *args, **kwargs: False)

    with pytest.raises(ValidationError) as excinfo:
        contact_create(
            client_id=customer.pk, actor=None, first_name="Bill", email="BILL@example.com"
        )

    assert excinfo.value.message_dict == {"email": [CONTACT_EMAIL_TAKEN]}
    assert customer.contacts.count() == 1


def test_client_create_refuses_status_and_balance():
    with pytest.raises(TypeError):
        client_create(actor=None, credit_balance=Decimal("5"), **client_profile_data())
    assert not Client.objects.exists()


def test_client_create_sends_welcome_email_only_after_commit(
    django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.COMPANY_NAME = "Analytical Hosting"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client = client_create(actor=None, send_welcome_email=True, **client_profile_data())
    assert mailoutbox == []

    callbacks[0]()

    [message] = mailoutbox
    assert message.to == ["ada@example.com"]
    assert message.subject == "Welcome to Analytical Hosting"
    assert "Analytical Hosting" in message.body
    assert "Analytical Hosting" in message.alternatives[0][0]
    log = client.emails.get()
    assert (log.status, log.to_address, log.error) == (EmailLog.Status.SENT, client.email, "")


def test_client_send_welcome_email_logs_a_failure_instead_of_raising(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    client = ClientFactory()

    with django_capture_on_commit_callbacks(execute=True):
        log = client_send_welcome_email(client_id=client.pk, actor=None)

    log.refresh_from_db()
    assert log.status == EmailLog.Status.FAILED
    assert MAIL_SERVER_DOWN in log.error
    assert list(client.emails.all()) == [log]


def test_client_update_records_each_changed_field(admin_user):
    group = ClientGroupFactory(name="VIP")
    client = ClientFactory(city="London", company_name="")

    client_update(client_id=client.pk, actor=admin_user, city="Paris", company_name="", group=group)

    client.refresh_from_db()
    assert (client.city, client.group) == ("Paris", group)
    changes = {
        (e.field, e.old_value, e.new_value, e.actor_label)
        for e in client.events.filter(kind=ClientEvent.Kind.PROFILE_CHANGED)
    }
    assert changes == {("city", "London", "Paris", "admin"), ("group", "", "VIP", "admin")}


def test_client_update_rejects_email_of_another_client():
    ClientFactory(email="taken@example.com")
    client = ClientFactory(email="mine@example.com")

    with pytest.raises(ValidationError) as excinfo:
        client_update(client_id=client.pk, actor=None, email="TAKEN@example.com")

    assert excinfo.value.message_dict == {"email": [EMAIL_TAKEN]}
    client.refresh_from_db()
    assert client.email == "mine@example.com"
    assert not client.events.exists()


def test_client_update_locks_currency_once_credit_exists():
    client = ClientFactory(currency="USD")
    add_credit(client_id=client.pk, amount=Decimal("5.00"), description="Goodwill", actor=None)

    with pytest.raises(ValidationError) as excinfo:
        client_update(client_id=client.pk, actor=None, currency="EUR")

    assert excinfo.value.message_dict == {"currency": [CURRENCY_LOCKED]}
    client.refresh_from_db()
    assert client.currency == "USD"
    assert not client.events.filter(kind=ClientEvent.Kind.PROFILE_CHANGED).exists()


def test_client_update_allows_currency_change_without_money_history():
    client = ClientFactory(currency="USD")

    client_update(client_id=client.pk, actor=None, currency="EUR")

    client.refresh_from_db()
    assert client.currency == "EUR"


def test_client_set_status_records_the_change_and_ignores_no_change(admin_user):
    client = ClientFactory()

    event = client_set_status(client_id=client.pk, status="Inactive", actor=admin_user)
    unchanged = client_set_status(client_id=client.pk, status="Inactive", actor=admin_user)

    client.refresh_from_db()
    assert client.status == Client.Status.INACTIVE
    assert (event.old_value, event.new_value, event.actor_user) == (
        "Active",
        "Inactive",
        admin_user,
    )
    assert unchanged is None
    assert client.events.filter(kind=ClientEvent.Kind.STATUS_CHANGED).count() == 1


def test_client_set_status_rejects_unknown_status():
    client = ClientFactory()

    with pytest.raises(ValidationError):
        client_set_status(client_id=client.pk, status="Deleted", actor=None)

    client.refresh_from_db()
    assert client.status == Client.Status.ACTIVE
    assert not client.events.exists()


def test_client_create_reports_field_errors_before_the_email_check():
    with pytest.raises(ValidationError) as excinfo:
        client_create(actor=None, **client_profile_data(email="not-an-email", country="XX"))

    assert set(excinfo.value.message_dict) == {"email", "country"}
    assert not Client.objects.exists()


def test_client_edit_changes_profile_and_status_together(admin_user):
    client = ClientFactory(city="Old")
    client_edit(client_id=client.pk, actor=admin_user, status=Client.Status.INACTIVE, city="New")
    client.refresh_from_db()
    assert (client.city, client.status) == ("New", Client.Status.INACTIVE)
    assert set(client.events.values_list("field", flat=True)) == {"city", "status"}


def test_client_edit_refuses_a_bad_status_before_changing_the_profile(admin_user):
    client = ClientFactory(city="Old")
    with pytest.raises(ValidationError):
        client_edit(client_id=client.pk, actor=admin_user, status="Gone", city="New")
    client.refresh_from_db()
    assert (client.city, client.status) == ("Old", Client.Status.ACTIVE)
    assert not client.events.exists()
