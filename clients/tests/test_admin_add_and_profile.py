from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from clients.forms import BALANCE_NEGATIVE
from clients.models import Client, ClientEvent, EmailLog
from clients.services import CURRENCY_LOCKED, EMAIL_TAKEN
from clients.tests.admin_forms import profile_post_data
from clients.tests.email_backends import MAIL_SERVER_DOWN
from clients.tests.factories import ClientFactory, client_profile_data
from credits.models import CreditEntry
from credits.services import add_credit
from invoices.services import invoice_create

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:clients_client_add")
FAILING_BACKEND = "clients.tests.email_backends.FailingEmailBackend"


def change_url(client) -> str:
    return reverse("admin:clients_client_change", args=[client.pk])


def test_add_form_has_the_welcome_tick_box_at_the_bottom(admin_client):
    response = admin_client.get(ADD_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert content.index('name="notes"') < content.index('name="send_welcome_email"')
    assert 'name="status"' not in content
    assert 'name="credit_balance"' not in content


def test_add_client_with_tick_box_sends_welcome_email_after_commit(
    admin_client, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD_URL, {**client_profile_data(), "send_welcome_email": "on"})

    assert response.status_code == 302
    client = Client.objects.get()
    assert (client.email, client.status, client.currency) == ("ada@example.com", "Active", "GBP")
    assert client.events.get().actor_user == admin_user
    [message] = mailoutbox
    assert message.to == ["ada@example.com"]
    log = client.emails.get()
    assert (log.status, log.subject) == (EmailLog.Status.SENT, message.subject)


@pytest.mark.django_db(transaction=True)  # the report runs when the add view's block commits
def test_add_client_with_the_database_queue_says_the_welcome_email_is_queued(
    admin_client, mailoutbox, settings
):
    # As make run and production queue it: a worker sends it, not the request.
    settings.TASKS = {"default": {"BACKEND": settings.TASK_BACKENDS["database"]}}

    response = admin_client.post(ADD_URL, {**client_profile_data(), "send_welcome_email": "on"})
    summary = admin_client.get(response["Location"])

    client = Client.objects.get()
    assert response["Location"] == reverse("admin:clients_client_summary", args=[client.pk])
    assert (
        "The welcome email to ada@example.com is queued; the client's Emails tab shows how it goes."
        in [m.message for m in get_messages(summary.wsgi_request)]
    )
    assert client.emails.get().status == EmailLog.Status.QUEUED
    assert mailoutbox == []


def test_add_client_without_tick_box_sends_nothing(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD_URL, client_profile_data())

    assert response.status_code == 302
    client = Client.objects.get()
    assert mailoutbox == []
    assert not client.emails.exists()


@pytest.mark.django_db(transaction=True)
def test_add_client_keeps_the_client_when_the_mail_server_fails(admin_client, settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND

    response = admin_client.post(
        ADD_URL, {**client_profile_data(), "send_welcome_email": "on"}, follow=True
    )

    client = Client.objects.get()
    log = client.emails.get()
    assert log.status == EmailLog.Status.FAILED
    assert MAIL_SERVER_DOWN in log.error
    warnings = [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert any("could not be sent" in w and MAIL_SERVER_DOWN in w for w in warnings)


@pytest.mark.parametrize("typed", ["ada@example.com", "ADA@Example.com"])
def test_add_client_with_duplicate_email_in_any_case_is_a_field_error(admin_client, typed):
    ClientFactory(email="ada@example.com")

    response = admin_client.post(ADD_URL, client_profile_data(email=typed))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"email": [EMAIL_TAKEN]}
    assert Client.objects.count() == 1


@pytest.mark.parametrize("field, value", [("country", "XX"), ("currency", "ABC"), ("email", "x@")])
def test_add_client_rejects_invalid_codes(admin_client, field, value):
    response = admin_client.post(ADD_URL, client_profile_data(**{field: value}))

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Client.objects.exists()


def test_profile_status_change_is_recorded_and_shown_in_history(admin_client, admin_user):
    client = ClientFactory()

    response = admin_client.post(
        change_url(client), profile_post_data(admin_client, client, status="Closed")
    )

    assert response.status_code == 302
    client.refresh_from_db()
    assert client.status == Client.Status.CLOSED
    event = client.events.get(kind=ClientEvent.Kind.STATUS_CHANGED)
    assert (event.old_value, event.new_value, event.actor_user) == ("Active", "Closed", admin_user)
    page = admin_client.get(change_url(client)).content.decode()
    assert "Status changed" in page and "Closed" in page and admin_user.username in page


def test_setting_inactive_with_active_services_warns_that_invoicing_continues(admin_client):
    client = ClientFactory()
    client.services.create(product_name="Hosting", status="Active")
    client.services.create(product_name="Old", status="Cancelled")

    response = admin_client.post(
        change_url(client), profile_post_data(admin_client, client, status="Inactive"), follow=True
    )

    warnings = [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert warnings == [
        f"{client} is now Inactive but still has 1 active service(s): invoicing continues "
        "while product statuses stay active."
    ]


def test_profile_edit_records_changed_fields_only(admin_client):
    client = ClientFactory(city="London")

    response = admin_client.post(
        change_url(client), profile_post_data(admin_client, client, city="Leeds")
    )

    assert response.status_code == 302
    [event] = client.events.all()
    assert (event.kind, event.field, event.old_value, event.new_value) == (
        ClientEvent.Kind.PROFILE_CHANGED,
        "city",
        "London",
        "Leeds",
    )


def test_profile_credit_balance_edit_adjusts_without_a_credit_entry(admin_client, admin_user):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("10.00"), description="Goodwill", actor=None)
    client.refresh_from_db()

    response = admin_client.post(
        change_url(client), profile_post_data(admin_client, client, credit_balance="25.50")
    )

    assert response.status_code == 302
    client.refresh_from_db()
    assert client.credit_balance == Decimal("25.50")
    assert CreditEntry.objects.filter(client=client).count() == 1
    event = client.events.get(kind=ClientEvent.Kind.BALANCE_ADJUSTED)
    assert (event.old_value, event.new_value, event.balance_delta) == (
        "10.00",
        "25.50",
        Decimal("15.50"),
    )
    entries_total = sum(e.amount for e in client.credit_entries.all())
    assert client.credit_balance == entries_total + event.balance_delta


def test_profile_rejects_a_negative_balance(admin_client):
    client = ClientFactory()

    response = admin_client.post(
        change_url(client), profile_post_data(admin_client, client, credit_balance="-1")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"credit_balance": [BALANCE_NEGATIVE]}
    client.refresh_from_db()
    assert client.credit_balance == Decimal("0.00")
    assert not client.events.exists()


def test_profile_currency_is_locked_once_the_client_has_credit(admin_client):
    client = ClientFactory(currency="USD")
    add_credit(client_id=client.pk, amount=Decimal("1.00"), description="Goodwill", actor=None)
    client.refresh_from_db()

    response = admin_client.post(
        change_url(client), profile_post_data(admin_client, client, currency="EUR")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"currency": [CURRENCY_LOCKED]}
    client.refresh_from_db()
    assert client.currency == "USD"


def test_profile_duplicate_email_is_a_field_error(admin_client):
    ClientFactory(email="taken@example.com")
    client = ClientFactory()

    response = admin_client.post(
        change_url(client), profile_post_data(admin_client, client, email="Taken@Example.com")
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"email": [EMAIL_TAKEN]}


def test_profile_hides_delete_and_suggests_inactive(admin_client):
    client = ClientFactory()

    content = admin_client.get(change_url(client)).content.decode()

    assert reverse("admin:clients_client_delete", args=[client.pk]) not in content
    assert "set it Inactive rather than deleting it" in content
    assert "without a credit log entry" in content


def test_resend_welcome_email_posts_sends_and_logs(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    client = ClientFactory()
    url = reverse("admin:clients_client_send_welcome_email", args=[client.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"next": change_url(client)})

    assert response.status_code == 302
    assert response["Location"] == change_url(client)
    assert [m.to for m in mailoutbox] == [[client.email]]
    assert client.emails.get().status == EmailLog.Status.SENT
    assert client.email in admin_client.get(change_url(client)).content.decode()


def test_resend_welcome_email_refuses_get_and_foreign_redirects(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    client = ClientFactory()
    url = reverse("admin:clients_client_send_welcome_email", args=[client.pk])

    assert admin_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"next": "https://evil.example.com/"})

    assert response["Location"] == reverse("admin:clients_client_summary", args=[client.pk])
    assert len(mailoutbox) == 1


def test_resend_welcome_email_reads_its_form_before_sending(admin_client, mailoutbox):
    # Found by the admin fuzz test: a body Django cannot parse (here a field name past the
    # multipart header limit) was read after the email was queued, so the clerk saw a 400 for
    # an email that had gone.
    client = ClientFactory()
    url = reverse("admin:clients_client_send_welcome_email", args=[client.pk])

    response = admin_client.post(url, {"next[" + "9" * 5000 + "]": "x"})

    assert response.status_code == 400
    assert not client.emails.exists()
    assert mailoutbox == []


@pytest.mark.django_db(transaction=True)
def test_resend_welcome_email_with_failing_server_warns(admin_client, settings):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    client = ClientFactory()
    url = reverse("admin:clients_client_send_welcome_email", args=[client.pk])

    response = admin_client.post(url, follow=True)

    assert client.emails.get().status == EmailLog.Status.FAILED
    assert any("could not be sent" in m.message for m in get_messages(response.wsgi_request))


def test_setting_closed_says_which_services_and_invoices_stay_open(admin_client):
    client = ClientFactory()
    client.services.create(product_name="Hosting", status="Active")
    invoice_create(
        client_id=client.pk, items=[{"description": "Hosting", "amount": "9.00"}], actor=None
    )

    response = admin_client.post(
        change_url(client), profile_post_data(admin_client, client, status="Closed"), follow=True
    )

    warnings = [m.message for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]
    assert warnings == [
        f"{client} is now Closed; its 1 active service(s) and 1 unpaid invoice(s) are unchanged. "
        "Use Close Client on the client's summary to cancel them."
    ]
    assert client.invoices.get().status == "Unpaid"


def test_add_client_losing_an_email_race_shows_the_error_and_writes_nothing(
    admin_client, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    """Another request saved the email after this one's checks ran: the unique index decides."""
    ClientFactory(email="ada@example.com")
    for checked_before_the_other_commit in ["clients.forms", "clients.services"]:
        monkeypatch.setattr(
            f"{checked_before_the_other_commit}.email_in_use", lambda email, exclude_pk=None: False
        )
    monkeypatch.setattr(Client, "validate_constraints", lambda self, exclude=None: None)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD_URL, {**client_profile_data(), "send_welcome_email": "on"})

    # The Add form again, as typed, with the refusal above it.
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == [EMAIL_TAKEN]
    assert (form["first_name"].value(), form["send_welcome_email"].value()) == ("Ada", True)
    assert Client.objects.count() == 1
    assert not ClientEvent.objects.exists()
    assert not EmailLog.objects.exists()
    assert mailoutbox == []


def test_profile_balance_edit_made_on_a_stale_page_is_refused_and_nothing_is_written(
    admin_client,
):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("10.00"), description="Goodwill", actor=None)
    client.refresh_from_db()
    stale_form = profile_post_data(admin_client, client, credit_balance="25.00")
    # Someone adds credit through Manage Credits while the Profile is open.
    add_credit(client_id=client.pk, amount=Decimal("5.00"), description="Meanwhile", actor=None)

    response = admin_client.post(change_url(client), stale_form, follow=True)

    client.refresh_from_db()
    assert client.credit_balance == Decimal("15.00")
    assert not client.events.filter(kind=ClientEvent.Kind.BALANCE_ADJUSTED).exists()
    assert "balance" in " ".join(str(m) for m in get_messages(response.wsgi_request)).lower()


def test_profile_saved_without_a_balance_edit_keeps_credit_that_moved_meanwhile(admin_client):
    """The form posts back the balance it showed; unchanged by the clerk, it is not an edit."""
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("10.00"), description="Goodwill", actor=None)
    client.refresh_from_db()
    form = profile_post_data(admin_client, client, city="Leeds")
    add_credit(client_id=client.pk, amount=Decimal("5.00"), description="Meanwhile", actor=None)

    response = admin_client.post(change_url(client), form)

    assert response.status_code == 302
    client.refresh_from_db()
    assert (client.city, client.credit_balance) == ("Leeds", Decimal("15.00"))
    assert not client.events.filter(kind=ClientEvent.Kind.BALANCE_ADJUSTED).exists()


def test_add_new_client_lands_on_the_new_clients_summary(admin_client):
    response = admin_client.post(ADD_URL, client_profile_data(), follow=True)

    client = Client.objects.get(email="ada@example.com")
    summary = reverse("admin:clients_client_summary", args=[client.pk])
    assert response.redirect_chain == [(summary, 302)]
    assert "was added successfully" in response.content.decode()


def test_saving_the_profile_lands_on_the_clients_summary(admin_client):
    client = ClientFactory()
    data = profile_post_data(admin_client, client, first_name="Augusta")

    response = admin_client.post(change_url(client), data, follow=True)

    summary = reverse("admin:clients_client_summary", args=[client.pk])
    assert response.redirect_chain == [(summary, 302)]
    assert "was changed successfully" in response.content.decode()


def test_save_and_continue_still_stays_on_the_profile(admin_client):
    client = ClientFactory()
    data = {**profile_post_data(admin_client, client, first_name="Augusta"), "_continue": "1"}

    response = admin_client.post(change_url(client), data)

    assert response["Location"] == change_url(client)


def test_client_list_and_profile_use_whmcs_words(admin_client):
    client = ClientFactory()

    listing = admin_client.get(reverse("admin:clients_client_changelist")).content.decode()
    profile = admin_client.get(change_url(client)).content.decode()

    assert "<h1>Clients</h1>" in listing and "Select client to change" not in listing
    assert "Add New Client" in listing and "Credit Balance" in listing
    assert 'value="Save Changes" class="default" name="_save"' in profile
