"""The per-client credit policy: the one rule (auto_apply_amount), and everything that follows
it: the daily run, CreateInvoice's autoapplycredit, the Profile, bulk changes, the API."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from api.tests.conftest import (  # noqa: F401 (fixtures)
    api_owner,
    call,
    credential,
    credential_and_secret,
)
from clients.models import Client, ClientEvent
from clients.services import client_update, clients_bulk_set_credit_policy
from clients.tests.admin_forms import profile_post_data
from clients.tests.factories import ClientFactory
from credits.selectors import auto_apply_amount, credit_invariant_violations, credit_to_apply
from credits.services import add_credit
from invoices.models import Invoice
from invoices.services import invoice_apply_credit, invoice_create, invoices_generate
from invoices.tests.factories import ClientServiceFactory

pytestmark = pytest.mark.django_db

Policy = Client.CreditPolicy
TODAY = date(2026, 11, 24)
D = Decimal


@pytest.fixture(autouse=True)
def billing_settings(settings):
    settings.INVOICE_DAYS_IN_ADVANCE = 7
    settings.AUTO_APPLY_CREDIT = True


@pytest.mark.parametrize(
    ("policy", "site_default", "available", "due", "expected"),
    [
        (Policy.DEFAULT, True, "30.00", "12.50", "12.50"),
        (Policy.DEFAULT, True, "5.00", "12.50", "5.00"),
        (Policy.DEFAULT, False, "30.00", "12.50", "0.00"),
        (Policy.NEVER, True, "30.00", "12.50", "0.00"),
        (Policy.FULL, True, "30.00", "12.50", "12.50"),
        (Policy.FULL, True, "12.50", "12.50", "12.50"),
        (Policy.FULL, True, "12.49", "12.50", "0.00"),
        (Policy.AVAILABLE, False, "5.00", "12.50", "5.00"),
        (Policy.AVAILABLE, False, "0.00", "12.50", "0.00"),
        (Policy.AVAILABLE, True, "5.00", "0.00", "0.00"),
    ],
)
def test_credit_to_apply_follows_policy(policy, site_default, available, due, expected):
    amount = credit_to_apply(
        policy=policy, available=D(available), invoice_due=D(due), site_default=site_default
    )
    assert amount == D(expected)


def test_auto_apply_amount_reads_the_client_and_the_site_default(settings):
    client = Client(credit_policy=Policy.DEFAULT, credit_balance=D("8.00"))
    assert auto_apply_amount(client, D("10.00")) == D("8.00")
    settings.AUTO_APPLY_CREDIT = False
    assert auto_apply_amount(client, D("10.00")) == D("0.00")
    assert auto_apply_amount(client, D("10.00"), site_default=True) == D("8.00")


def client_with_credit(policy: str, credit: str) -> Client:
    client = ClientFactory(credit_policy=policy)
    add_credit(client_id=client.pk, amount=credit, description="Prepaid", actor=None)
    return client


def test_invoices_generate_follows_each_clients_policy():
    clients = {
        policy: client_with_credit(policy, "8.00")
        for policy in (Policy.DEFAULT, Policy.NEVER, Policy.FULL, Policy.AVAILABLE)
    }
    full_paid = client_with_credit(Policy.FULL, "20.00")
    for client in [*clients.values(), full_paid]:
        ClientServiceFactory(client=client, next_due_date=TODAY, recurring_amount="10.00")

    result = invoices_generate(today=TODAY)

    applied = dict(Invoice.objects.values_list("client_id", "credit_applied"))
    assert applied == {
        clients[Policy.DEFAULT].pk: D("8.00"),
        clients[Policy.NEVER].pk: D("0.00"),
        clients[Policy.FULL].pk: D("0.00"),
        clients[Policy.AVAILABLE].pk: D("8.00"),
        full_paid.pk: D("10.00"),
    }
    assert result.credit_applied == D("26.00")
    assert result.paid_by_credit == 1
    assert Invoice.objects.get(client=full_paid).status == Invoice.Status.PAID
    assert credit_invariant_violations() == []


def test_invoices_generate_dry_run_plans_with_the_policy():
    client = client_with_credit(Policy.NEVER, "50.00")
    ClientServiceFactory(client=client, next_due_date=TODAY, recurring_amount="10.00")
    assert invoices_generate(today=TODAY, dry_run=True).credit_applied == D("0.00")


def test_site_default_off_turns_default_clients_off_but_not_available(settings):
    settings.AUTO_APPLY_CREDIT = False
    default = client_with_credit(Policy.DEFAULT, "8.00")
    available = client_with_credit(Policy.AVAILABLE, "8.00")
    for client in (default, available):
        ClientServiceFactory(client=client, next_due_date=TODAY, recurring_amount="10.00")
    invoices_generate(today=TODAY)
    applied = dict(Invoice.objects.values_list("client_id", "credit_applied"))
    assert applied == {default.pk: D("0.00"), available.pk: D("8.00")}


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (Policy.DEFAULT, "6.00"),
        (Policy.NEVER, "0.00"),
        (Policy.FULL, "0.00"),
        (Policy.AVAILABLE, "6.00"),
    ],
)
def test_invoice_create_autoapplycredit_follows_policy(settings, policy, expected):
    settings.AUTO_APPLY_CREDIT = False  # an explicit request still applies for "default"
    client = client_with_credit(policy, "6.00")
    invoice = invoice_create(
        client_id=client.pk,
        items=[{"description": "Setup", "amount": "10.00"}],
        actor=None,
        auto_apply_credit=True,
    )
    assert invoice.credit_applied == D(expected)


def test_staff_can_apply_credit_by_hand_under_never():
    client = client_with_credit(Policy.NEVER, "6.00")
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Setup", "amount": "10.00"}], actor=None
    )
    entry = invoice_apply_credit(invoice_id=invoice.pk, actor=None)
    assert entry.amount == D("-6.00")


def test_profile_change_is_recorded_in_history(admin_user):
    client = ClientFactory()
    client_update(client_id=client.pk, actor=admin_user, credit_policy=Policy.NEVER)
    event = client.events.get(kind=ClientEvent.Kind.PROFILE_CHANGED)
    assert (event.field, event.old_value, event.new_value) == ("credit_policy", "default", "never")


def test_profile_refuses_unknown_policy():
    client = ClientFactory()
    with pytest.raises(ValidationError):
        client_update(client_id=client.pk, actor=None, credit_policy="sometimes")
    assert not client.events.exists()


def test_profile_form_sets_policy_and_summary_shows_it(admin_client):
    client = ClientFactory()
    url = reverse("admin:clients_client_change", args=[client.pk])
    data = profile_post_data(admin_client, client, credit_policy=Policy.FULL)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client.refresh_from_db()
    assert client.credit_policy == Policy.FULL
    summary = admin_client.get(reverse("admin:clients_client_summary", args=[client.pk]))
    assert "Only when it pays the whole invoice" in summary.content.decode()


def test_bulk_set_credit_policy_changes_records_and_reruns_as_noop(admin_user):
    clients = ClientFactory.create_batch(5)
    already = ClientFactory(credit_policy=Policy.NEVER)
    result = clients_bulk_set_credit_policy(
        clients=[c.pk for c in [*clients, already]], policy="never", actor=admin_user, batch_size=2
    )
    assert (result.changed, result.already, result.batches_total) == (5, 1, 3)
    assert set(Client.objects.values_list("credit_policy", flat=True)) == {Policy.NEVER}
    events = ClientEvent.objects.filter(field="credit_policy")
    assert events.count() == 5
    assert {e.actor_user_id for e in events} == {admin_user.pk}
    again = clients_bulk_set_credit_policy(
        clients=Client.objects.all(), policy="never", actor=admin_user
    )
    assert (again.changed, again.already) == (0, 6)


def test_bulk_set_credit_policy_refuses_unknown_policy():
    client = ClientFactory()
    with pytest.raises(ValidationError, match="Unknown credit policy"):
        clients_bulk_set_credit_policy(clients=[client.pk], policy="often", actor=None)


def test_set_credit_policy_command():
    first, second = ClientFactory.create_batch(2)
    out = StringIO()
    call_command("set_credit_policy", "full", f"--ids={first.pk}", "--yes", stdout=out)
    assert out.getvalue().strip() == "Changed 1 clients to full (0 already full, 0 not found)"
    assert Client.objects.get(pk=first.pk).credit_policy == Policy.FULL
    assert Client.objects.get(pk=second.pk).credit_policy == Policy.DEFAULT


def test_set_credit_policy_command_dry_run_changes_nothing():
    ClientFactory.create_batch(3)
    out = StringIO()
    call_command("set_credit_policy", "Never apply automatically", "--all", "--dry-run", stdout=out)
    assert "would change 3 of 3" in out.getvalue()
    assert not Client.objects.exclude(credit_policy=Policy.DEFAULT).exists()


def test_set_credit_policy_command_bad_input():
    ClientFactory()
    with pytest.raises(CommandError, match="Unknown credit policy 'sometimes'"):
        call_command("set_credit_policy", "sometimes", "--all", "--yes", stdout=StringIO())
    with pytest.raises(CommandError, match="Nothing selected"):
        call_command("set_credit_policy", "never", "--yes", stdout=StringIO())


def test_admin_action_sets_policy(admin_client):
    chosen, other = ClientFactory.create_batch(2)
    response = admin_client.post(
        reverse("admin:clients_client_changelist"),
        {"action": "set_credit_policy_never_selected", ACTION_CHECKBOX_NAME: [chosen.pk]},
        follow=True,
    )
    assert "on 1 clients" in response.content.decode()
    assert Client.objects.get(pk=chosen.pk).credit_policy == Policy.NEVER
    assert Client.objects.get(pk=other.pk).credit_policy == Policy.DEFAULT


def test_api_update_client_sets_and_reads_creditpolicy(call):  # noqa: F811
    client = ClientFactory()
    answer = call("UpdateClient", clientid=client.pk, creditpolicy="full")
    assert answer["result"] == "success"
    assert Client.objects.get(pk=client.pk).credit_policy == Policy.FULL
    details = call("GetClientsDetails", clientid=client.pk)
    assert details["client"]["creditpolicy"] == "full"


def test_api_refuses_unknown_creditpolicy(call):  # noqa: F811
    client = ClientFactory()
    answer = call("UpdateClient", clientid=client.pk, creditpolicy="maybe")
    assert answer["result"] == "error"
    assert "Unknown credit policy 'maybe'" in answer["message"]
    assert Client.objects.get(pk=client.pk).credit_policy == Policy.DEFAULT


def test_api_create_invoice_autoapplycredit_follows_policy(call):  # noqa: F811
    client = client_with_credit(Policy.FULL, "6.00")
    answer = call(
        "CreateInvoice",
        userid=client.pk,
        autoapplycredit="1",
        **{"itemdescription1": "Setup", "itemamount1": "10.00"},
    )
    assert answer["result"] == "success", answer
    assert Invoice.objects.get(pk=answer["invoiceid"]).credit_applied == D("0.00")


def test_invoice_page_names_the_policy_beside_apply_credit(admin_client):
    client = client_with_credit(Policy.NEVER, "6.00")
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Setup", "amount": "10.00"}], actor=None
    )
    page = admin_client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    assert "Credit policy: Never apply automatically" in page.content.decode()


def test_api_add_client_takes_creditpolicy(call):  # noqa: F811
    from api.tests.factories import add_client_params

    answer = call("AddClient", **add_client_params(email="pol@example.com", creditpolicy="never"))
    assert answer["result"] == "success", answer
    assert Client.objects.get(pk=answer["clientid"]).credit_policy == Policy.NEVER


@pytest.mark.parametrize("policy", list(Policy))
def test_staff_apply_credit_from_the_invoice_page_under_every_policy(admin_client, policy):
    client = client_with_credit(policy, "6.00")
    invoice = invoice_create(
        client_id=client.pk, items=[{"description": "Setup", "amount": "10.00"}], actor=None
    )

    response = admin_client.post(
        reverse("admin:invoices_invoice_apply_credit", args=[invoice.pk]), {"amount": "6.00"}
    )

    assert response.status_code == 302
    invoice.refresh_from_db()
    client.refresh_from_db()
    assert (invoice.credit_applied, client.credit_balance) == (D("6.00"), D("0.00"))
    assert credit_invariant_violations() == []


def test_profile_form_refuses_a_policy_that_does_not_exist(admin_client):
    client = ClientFactory()
    url = reverse("admin:clients_client_change", args=[client.pk])
    data = profile_post_data(admin_client, client, credit_policy="sometimes")

    response = admin_client.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Select a valid choice. sometimes is not one of the available choices." in str(
        errors["credit_policy"]
    )
    assert Client.objects.get(pk=client.pk).credit_policy == Policy.DEFAULT
    assert not client.events.exists()


def test_support_staff_have_no_credit_policy_actions(client, django_user_model):
    from django.contrib.auth.models import Group

    support = django_user_model.objects.create_user("support", password="pw", is_staff=True)
    support.groups.add(Group.objects.get(name="Support staff"))
    client.force_login(support)
    chosen = ClientFactory()
    url = reverse("admin:clients_client_changelist")

    page = client.get(url).content.decode()
    response = client.post(
        url,
        {"action": "set_credit_policy_never_selected", ACTION_CHECKBOX_NAME: [chosen.pk]},
    )

    assert "set_credit_policy_" not in page
    assert response.status_code in (200, 302)
    assert Client.objects.get(pk=chosen.pk).credit_policy == Policy.DEFAULT
    assert not ClientEvent.objects.filter(field="credit_policy").exists()
