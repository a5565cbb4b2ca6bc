"""Merging clients: the service, the admin pages, the command, the API, and racing merges."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from billing_admin.tests.threads import run_at_once
from clients.models import Client, ClientEvent, ClientNote, Contact, EmailLog
from clients.services import client_note_add, contact_create
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit, adjust_balance
from customfields.models import CustomFieldValue
from customfields.services import client_set_custom_field_values
from customfields.tests.factories import CustomFieldFactory
from invoices.models import ClientService, Invoice
from invoices.services import invoice_create
from invoices.tests.factories import ClientServiceFactory
from merges.models import ClientMerge
from merges.selectors import merged_into
from merges.services import client_merge
from transactions.models import Transaction
from transactions.tests.factories import make_transaction

pytestmark = pytest.mark.django_db


def contact(client, email, **fields):
    return contact_create(client_id=client.pk, actor=None, first_name="C", email=email, **fields)


@pytest.fixture
def pair(admin_user):
    """A source with something in every related table, and a target with some of its own."""
    source = ClientFactory(email="old@example.com", first_name="Olga", last_name="Old")
    target = ClientFactory(email="new@example.com", first_name="Nina", last_name="New")
    plan, vat, phone = (CustomFieldFactory(name=n) for n in ("Plan", "VAT", "Mobile"))
    client_set_custom_field_values(
        client_id=source.pk, values={plan.pk: "Gold", vat.pk: "GB1"}, actor=admin_user
    )
    client_set_custom_field_values(
        client_id=target.pk, values={plan.pk: "Silver", phone.pk: "07700"}, actor=admin_user
    )
    add_credit(client_id=source.pk, amount="15.00", description="Refund", actor=admin_user)
    adjust_balance(client_id=source.pk, new_balance="20.00", actor=admin_user)
    add_credit(client_id=target.pk, amount="2.50", description="Goodwill", actor=admin_user)
    ClientServiceFactory(client=source)
    invoice = invoice_create(
        client_id=source.pk, items=[{"description": "Hosting", "amount": "9.00"}], actor=admin_user
    )
    make_transaction(client=source, invoice=invoice)
    contact(source, "shared@example.com", is_billing_contact=True)
    contact(source, "only-source@example.com")
    contact(target, "SHARED@example.com", is_billing_contact=True)
    client_note_add(client_id=source.pk, actor=admin_user, text="Prefers phone calls")
    EmailLog.objects.create(
        client=source, template="welcome", to_address=source.email, subject="Hi", status="sent"
    )
    return source, target


def test_merge_moves_everything_and_keeps_the_ledger_whole(pair, admin_user):
    source, target = pair
    source_history = set(source.events.values_list("pk", flat=True))
    assert source_history
    record = client_merge(source_id=source.pk, target_id=target.pk, actor=admin_user)

    assert not Client.objects.filter(pk=source.pk).exists()
    target.refresh_from_db()
    assert target.credit_balance == Decimal("22.50")
    assert ClientService.objects.filter(client=target).count() == 1
    assert Invoice.objects.filter(client=target).count() == 1
    assert Transaction.objects.filter(client=target).count() == 1
    assert CreditEntry.objects.filter(client=target).count() == 2
    assert ClientNote.objects.filter(client=target, text="Prefers phone calls").exists()
    assert EmailLog.objects.filter(client=target, subject="Hi").exists()
    # The target's values win; the source's other values move.
    values = dict(
        CustomFieldValue.objects.filter(client=target).values_list("field__name", "value")
    )
    assert values == {"Plan": "Silver", "VAT": "GB1", "Mobile": "07700"}
    # Duplicate contact dropped, the other moved without its billing mark; the source is a contact.
    contacts = {
        c.email.lower(): c.is_billing_contact for c in Contact.objects.filter(client=target)
    }
    assert contacts == {
        "shared@example.com": True,
        "only-source@example.com": False,
        "old@example.com": False,
    }
    merged = ClientEvent.objects.get(client=target, kind=ClientEvent.Kind.MERGED)
    assert merged.new_value == f"#{source.pk} Olga Old ({source.company_name}) <old@example.com>"
    assert merged.actor_label == "admin"
    assert (record.source_id, record.source_email, record.target_id) == (
        source.pk,
        "old@example.com",
        target.pk,
    )
    assert record.moved_counts["invoices"] == 1
    # The source's own history moved to the target, beside the target's.
    assert set(
        ClientEvent.objects.filter(pk__in=source_history).values_list("client_id", flat=True)
    ) == {target.pk}
    out = io.StringIO()
    call_command("verify_credit", stdout=out)
    assert out.getvalue() == "1 clients checked: all credit balances agree.\n"


def test_without_contact_choice_the_source_is_not_kept_as_contact(pair):
    source, target = pair
    client_merge(source_id=source.pk, target_id=target.pk, actor=None, source_as_contact=False)
    assert not Contact.objects.filter(client=target, email="old@example.com").exists()


def test_refusals_change_nothing(admin_user):
    usd = ClientFactory(currency="USD")
    eur = ClientFactory(currency="EUR")
    add_credit(client_id=usd.pk, amount="1.00", description="x", actor=admin_user)
    add_credit(client_id=eur.pk, amount="1.00", description="x", actor=admin_user)
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        client_merge(source_id=usd.pk, target_id=usd.pk, actor=None)
    with pytest.raises(ValidationError, match="Client #999999 does not exist"):
        client_merge(source_id=usd.pk, target_id=999999, actor=None)
    with pytest.raises(ValidationError, match="mix currencies"):
        client_merge(source_id=usd.pk, target_id=eur.pk, actor=None)
    assert Client.objects.count() == 2
    assert not ClientMerge.objects.exists()


@pytest.mark.parametrize("anonymised", ["source", "target"])
def test_an_anonymised_client_is_refused_either_way(anonymised):
    from privacy.services import client_anonymise

    source, target = ClientFactory(), ClientFactory()
    client_anonymise(client_id=locals()[anonymised].pk, actor=None)
    with pytest.raises(ValidationError, match="is anonymised: nothing can be merged"):
        client_merge(source_id=source.pk, target_id=target.pk, actor=None)
    assert Client.objects.count() == 2
    assert not ClientMerge.objects.exists()


def test_a_target_without_money_takes_the_source_currency(admin_user):
    source = ClientFactory(currency="EUR")
    target = ClientFactory(currency="USD")
    add_credit(client_id=source.pk, amount="5.00", description="x", actor=admin_user)
    client_merge(source_id=source.pk, target_id=target.pk, actor=admin_user)
    target.refresh_from_db()
    assert (target.currency, target.credit_balance) == ("EUR", Decimal("5.00"))
    assert ClientEvent.objects.filter(client=target, field="currency", new_value="EUR").exists()


def test_merged_ids_follow_later_merges():
    a, b, c = ClientFactory(), ClientFactory(), ClientFactory()
    client_merge(source_id=a.pk, target_id=b.pk, actor=None)
    client_merge(source_id=b.pk, target_id=c.pk, actor=None)
    assert merged_into(a.pk) == c.pk
    assert merged_into(b.pk) == c.pk
    with pytest.raises(ValidationError, match=f"was merged into client #{c.pk} already"):
        client_merge(source_id=a.pk, target_id=c.pk, actor=None)


@pytest.mark.django_db(transaction=True)
def test_two_merges_against_each_other_do_not_deadlock():
    """A into B and B into A at once, on real connections: locks are taken in id order, so one
    merge waits for the other and then finds its client gone, instead of a deadlock."""
    first, second = ClientFactory(), ClientFactory()

    def merge(source, target):
        def work():
            client_merge(source_id=source.pk, target_id=target.pk, actor=None)
            return "merged"

        return work

    def outcome(result) -> str:
        """ "merged", a refusal's message, or the error a merge raised (a deadlock would be one)."""
        if isinstance(result, ValidationError):
            return result.messages[0]
        if isinstance(result, Exception):
            return f"{type(result).__name__}: {result}"
        return result

    outcomes = [
        outcome(result)
        for result in run_at_once(merge(first, second), merge(second, first), timeout=30)
    ]
    assert sorted(outcomes)[-1] == "merged", outcomes
    assert "merged" in outcomes and len(outcomes) == 2
    loser = next(outcome for outcome in outcomes if outcome != "merged")
    assert "was merged into client" in loser, outcomes
    assert Client.objects.count() == 1
    assert ClientMerge.objects.count() == 1


# ---- admin --------------------------------------------------------------------------------


def test_admin_merge_flow(pair, billing_client):
    source, target = pair
    summary = billing_client.get(reverse("admin:clients_client_summary", args=[source.pk]))
    merge_url = reverse("admin:clients_client_merge", args=[source.pk])
    assert merge_url in summary.content.decode()

    found = billing_client.get(merge_url, {"q": "new@example"}).content.decode()
    assert f"?target={target.pk}" in found
    assert f"?target={source.pk}" not in found

    confirm = billing_client.get(merge_url, {"target": target.pk}).content.decode()
    assert "Invoices: <strong>1</strong>" in confirm
    assert "<td>Plan</td><td>Silver</td><td>Gold</td>" in confirm
    assert 'name="source_as_contact" checked' in confirm

    done = billing_client.post(
        f"{merge_url}?target={target.pk}", {"source_as_contact": "on"}, follow=True
    )
    assert done.redirect_chain[-1][0] == reverse("admin:clients_client_summary", args=[target.pk])
    assert f"Client #{source.pk} (Olga Old" in done.content.decode()

    old = billing_client.get(reverse("admin:clients_client_summary", args=[source.pk]), follow=True)
    assert old.redirect_chain[-1][0] == reverse("admin:clients_client_summary", args=[target.pk])
    assert f"Client #{source.pk} was merged into client #{target.pk}" in old.content.decode()


def test_admin_shows_a_refusal_in_the_page(billing_client, admin_user):
    usd, eur = ClientFactory(currency="USD"), ClientFactory(currency="EUR")
    for client in (usd, eur):
        add_credit(client_id=client.pk, amount="1.00", description="x", actor=admin_user)
    url = reverse("admin:clients_client_merge", args=[usd.pk])
    page = billing_client.post(f"{url}?target={eur.pk}", {})
    assert "would mix currencies" in page.content.decode()
    assert Client.objects.count() == 2


def test_support_staff_cannot_merge(support_client):
    client = support_client
    source, target = ClientFactory(), ClientFactory()
    url = reverse("admin:clients_client_merge", args=[source.pk])
    summary = client.get(reverse("admin:clients_client_summary", args=[source.pk]))
    assert url not in summary.content.decode()
    assert client.get(url).status_code == 403
    assert client.post(f"{url}?target={target.pk}").status_code == 403
    assert Client.objects.count() == 2


# ---- command ------------------------------------------------------------------------------


def test_command_dry_run_then_merge():
    source, target = ClientFactory(), ClientFactory()
    out = io.StringIO()
    call_command("merge_clients", str(source.pk), str(target.pk), "--dry-run", stdout=out)
    assert "Dry run: nothing changed." in out.getvalue()
    assert Client.objects.count() == 2
    call_command("merge_clients", str(source.pk), str(target.pk), "--yes", stdout=out)
    assert f"Merged #{source.pk} into #{target.pk}." in out.getvalue()
    assert list(Client.objects.values_list("pk", flat=True)) == [target.pk]


def test_command_without_yes_and_without_a_terminal_refuses(monkeypatch):
    source, target = ClientFactory(), ClientFactory()
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))  # a pipe, as under cron

    with pytest.raises(CommandError, match="No terminal to confirm on: pass --yes"):
        call_command("merge_clients", str(source.pk), str(target.pk), stdout=io.StringIO())

    assert Client.objects.count() == 2
    assert not ClientMerge.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [(["x", "1"], "SOURCE: 'x' is not a client id"), (["999998", "999999"], "does not exist")],
)
def test_command_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("merge_clients", *args, "--yes", stdout=io.StringIO())
