"""manage.py set_client_status and auto_update_client_status, through call_command."""

import io
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from clients.models import Client, ClientEvent
from clients.services import bulk
from clients.tests.factories import ClientFactory, ClientGroupFactory
from invoices.models import ClientService, Invoice
from invoices.tests.factories import ClientServiceFactory

pytestmark = pytest.mark.django_db

ACTIVE, INACTIVE, CLOSED = Client.Status.ACTIVE, Client.Status.INACTIVE, Client.Status.CLOSED


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch):
    """Commands run as from cron unless a test gives them a terminal."""
    monkeypatch.setattr("sys.stdin", io.StringIO())


def set_status(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("set_client_status", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def statuses() -> dict[int, str]:
    return dict(Client.objects.values_list("pk", "status"))


def status_events():
    return ClientEvent.objects.filter(kind=ClientEvent.Kind.STATUS_CHANGED)


def write_file(tmp_path, text: str) -> str:
    path = tmp_path / "clients.csv"
    path.write_text(text)
    return str(path)


def assert_nothing_changed(before: dict[int, str]) -> None:
    assert statuses() == before
    assert not status_events().exists()


# ---- selection ------------------------------------------------------------------------------


def test_set_client_status_by_ids_and_ranges():
    c = ClientFactory.create_batch(6)

    out, _ = set_status("Inactive", "--ids", f"{c[0].pk},{c[2].pk}-{c[4].pk}", "--yes")

    assert out.strip() == "Changed 4 clients to Inactive (0 already Inactive, 0 not found)"
    assert [s for _, s in sorted(statuses().items())] == [
        INACTIVE,
        ACTIVE,
        INACTIVE,
        INACTIVE,
        INACTIVE,
        ACTIVE,
    ]
    assert status_events().count() == 4


def test_set_client_status_from_a_file_of_ids_and_emails_with_a_header(tmp_path):
    by_id, by_email, left = ClientFactory.create_batch(3)
    path = write_file(tmp_path, f"email\n{by_id.pk}\n\n{by_email.email.upper()}\n")

    out, _ = set_status("Closed", "--file", path, "--yes")

    assert out.strip() == "Changed 2 clients to Closed (0 already Closed, 0 not found)"
    assert statuses() == {by_id.pk: CLOSED, by_email.pk: CLOSED, left.pk: ACTIVE}


def test_set_client_status_reads_the_named_column_of_a_csv(tmp_path):
    chosen, left = ClientFactory.create_batch(2)
    path = write_file(tmp_path, f'name,client_id\n"Doe, Jane",{chosen.pk}\n')

    set_status("Closed", "--file", path, "--yes")

    assert statuses() == {chosen.pk: CLOSED, left.pk: ACTIVE}


@pytest.mark.parametrize(
    "option,value,matching,other",
    [
        ("--current-status", "inactive", {"status": INACTIVE}, {"status": CLOSED}),
        ("--country", "fr", {"country": "FR"}, {"country": "GB"}),
    ],
)
def test_set_client_status_by_field(option, value, matching, other):
    chosen, left = ClientFactory(**matching), ClientFactory(**other)

    set_status("Active", option, value, "--yes")

    assert statuses()[chosen.pk] == ACTIVE
    assert statuses()[left.pk] == other.get("status", ACTIVE)


@pytest.mark.parametrize("by", ["name", "id"])
def test_set_client_status_by_group(by):
    group = ClientGroupFactory(name="Resellers")
    chosen, left = ClientFactory(group=group), ClientFactory()

    set_status("Inactive", "--group", "resellers" if by == "name" else str(group.pk), "--yes")

    assert statuses() == {chosen.pk: INACTIVE, left.pk: ACTIVE}


def test_set_client_status_by_creation_date():
    old, new = ClientFactory.create_batch(2)
    Client.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=400))

    set_status(
        "Inactive", "--created-before", str(timezone.localdate() - timedelta(days=30)), "--yes"
    )

    assert statuses() == {old.pk: INACTIVE, new.pk: ACTIVE}


def test_set_client_status_without_active_services():
    idle, serving, suspended = ClientFactory.create_batch(3)
    ClientServiceFactory(client=idle, status=ClientService.Status.TERMINATED)
    ClientServiceFactory(client=serving, status=ClientService.Status.ACTIVE)
    ClientServiceFactory(client=suspended, status=ClientService.Status.SUSPENDED)

    set_status("Inactive", "--no-active-services", "--yes")

    assert statuses() == {idle.pk: INACTIVE, serving.pk: ACTIVE, suspended.pk: INACTIVE}


def test_set_client_status_without_invoices_since_a_date():
    never, lapsed, recent = ClientFactory.create_batch(3)
    for customer, day in [(lapsed, date(2025, 1, 31)), (recent, date(2026, 2, 1))]:
        Invoice.objects.create(client=customer, date=day, due_date=day, currency="USD")

    set_status("Closed", "--no-invoice-since", "2026-01-01", "--yes")

    assert statuses() == {never.pk: CLOSED, lapsed.pk: CLOSED, recent.pk: ACTIVE}


def test_set_client_status_combines_selections_with_and():
    group = ClientGroupFactory()
    chosen = ClientFactory(group=group, country="DE")
    ClientFactory(group=group, country="FR")
    ClientFactory(country="DE")

    out, _ = set_status("Closed", "--group", group.name, "--country", "DE", "--yes")

    assert out.strip() == "Changed 1 clients to Closed (0 already Closed, 0 not found)"
    assert [pk for pk, status in statuses().items() if status == CLOSED] == [chosen.pk]


def test_set_client_status_all_needs_all():
    ClientFactory.create_batch(2)
    before = statuses()

    with pytest.raises(CommandError, match="--all"):
        set_status("Closed", "--yes")
    assert_nothing_changed(before)

    out, _ = set_status("Closed", "--all", "--yes")
    assert out.strip() == "Changed 2 clients to Closed (0 already Closed, 0 not found)"


# ---- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,message",
    [
        (["Dormant", "--all"], "not a client status"),
        (["Closed", "--all", "--country", "GB"], "cannot be combined"),
        (["Closed", "--current-status", "Open"], "--current-status"),
        (["Closed", "--ids", "1,x"], "--ids"),
        (["Closed", "--ids", "9-3"], "--ids"),
        (["Closed", "--ids", "1-99999999"], "spans more than"),
        (["Closed", "--country", "XX"], "--country"),
        (["Closed", "--group", "Nobody"], "no client group"),
        (["Closed", "--created-before", "31/12/2026"], "--created-before"),
        (["Closed", "--no-invoice-since", "soon"], "--no-invoice-since"),
        (["Closed", "--all", "--batch-size", "0"], "--batch-size"),
        (["Closed", "--file", "/nonexistent/clients.csv"], "cannot read"),
    ],
)
def test_set_client_status_rejects_bad_input_before_writing(args, message):
    ClientFactory.create_batch(2)
    before = statuses()

    with pytest.raises(CommandError, match=message):
        set_status(*args, "--yes")

    assert_nothing_changed(before)


def test_set_client_status_unknown_and_malformed_entries_change_nothing(tmp_path):
    known = ClientFactory()
    before = statuses()
    path = write_file(tmp_path, f"id\n{known.pk}\nnobody@example.com\n12ab\n{known.pk + 100}\n")

    with pytest.raises(CommandError) as excinfo:
        set_status("Closed", "--file", path, "--yes")

    assert excinfo.value.returncode == 1
    assert "3 unknown or malformed entries; nothing changed" in str(excinfo.value)
    assert_nothing_changed(before)


def test_set_client_status_reports_each_problem_with_its_line(tmp_path):
    known = ClientFactory()
    path = write_file(tmp_path, f"id\n{known.pk}\nnobody@example.com\n12ab\n{known.pk + 100}\n")

    out, err = set_status("Closed", "--file", path, "--yes", "--skip-missing")

    assert err.splitlines() == [
        "line 3: no client with email nobody@example.com",
        "line 4: not a client id or email: '12ab'",
        f"line 5: no client with id {known.pk + 100}",
    ]
    assert out.strip() == "Changed 1 clients to Closed (0 already Closed, 3 not found)"
    assert statuses() == {known.pk: CLOSED}


def test_set_client_status_unknown_ids_all_or_nothing_unless_skip_missing():
    first, second = ClientFactory.create_batch(2)
    before = statuses()
    ids = f"{first.pk},{second.pk},{second.pk + 50}"

    with pytest.raises(CommandError) as excinfo:
        set_status("Inactive", "--ids", ids, "--yes")
    assert excinfo.value.returncode == 1
    assert_nothing_changed(before)

    out, err = set_status("Inactive", "--ids", ids, "--yes", "--skip-missing")
    assert err.strip() == f"--ids: no client with id {second.pk + 50}"
    assert out.strip() == "Changed 2 clients to Inactive (0 already Inactive, 1 not found)"


# ---- dry run, confirmation, idempotency -----------------------------------------------------


def test_set_client_status_dry_run_reports_and_changes_nothing():
    ClientFactory.create_batch(2)
    ClientServiceFactory(client=ClientFactory(status=CLOSED))
    already = ClientFactory(status=INACTIVE, email="already@example.com")
    before = statuses()

    out, _ = set_status("Inactive", "--all", "--dry-run")

    assert "4 clients selected; by current status:" in out
    assert "  Active: 2\n  Inactive: 1\n  Closed: 1\n" in out
    assert "1 of them have an Active service." in out
    assert f"#{already.pk} " in out and "<already@example.com> Inactive" in out
    assert out.splitlines()[-1] == (
        "Dry run: would change 3 clients to Inactive (1 already Inactive, 0 not found); "
        "nothing changed."
    )
    assert_nothing_changed(before)


def test_set_client_status_without_a_terminal_requires_yes():
    ClientFactory()
    before = statuses()

    with pytest.raises(CommandError, match="--yes"):
        set_status("Closed", "--all")

    assert_nothing_changed(before)


@pytest.mark.parametrize("answer,changed", [("y", True), ("YES", True), ("n", False), ("", False)])
def test_set_client_status_asks_on_a_terminal(monkeypatch, answer, changed):
    customer = ClientFactory()
    prompts = []
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or answer)

    if changed:
        set_status("Closed", "--all")
    else:
        with pytest.raises(CommandError, match="Not confirmed"):
            set_status("Closed", "--all")

    assert prompts == ["Change 1 clients to Closed? [y/N] "]
    assert statuses() == {customer.pk: CLOSED if changed else ACTIVE}


def test_set_client_status_is_idempotent():
    ClientFactory.create_batch(3)
    set_status("Closed", "--all", "--yes")

    out, _ = set_status("Closed", "--all", "--yes")

    assert out.strip() == "Changed 0 clients to Closed (3 already Closed, 0 not found)"
    assert status_events().count() == 3


def test_set_client_status_shows_progress_on_stderr_for_several_batches():
    ClientFactory.create_batch(5)

    out, err = set_status("Closed", "--all", "--yes", "--batch-size", "2")

    assert err.splitlines()[-1].endswith("5/5 clients set to Closed")
    assert len(err.splitlines()) == 3
    assert out.strip() == "Changed 5 clients to Closed (0 already Closed, 0 not found)"


@pytest.mark.django_db(transaction=True)
def test_set_client_status_interrupted_keeps_committed_batches(monkeypatch):
    ordered = sorted(ClientFactory.create_batch(5), key=lambda c: c.pk)
    set_batch = bulk.set_column_for_batch
    batches = []

    def interrupt_the_second_batch(ids, **kwargs):
        batches.append(ids)
        if len(batches) == 2:
            raise KeyboardInterrupt
        return set_batch(ids, **kwargs)

    monkeypatch.setattr(bulk, "set_column_for_batch", interrupt_the_second_batch)

    with pytest.raises(CommandError) as excinfo:
        set_status("Inactive", "--all", "--yes", "--batch-size", "2")

    assert excinfo.value.returncode == 130
    assert str(excinfo.value).startswith(
        "Interrupted: changed 2 of 5 clients to Inactive in 1 of 3 whole batches"
    )
    first_batch = {c.pk for c in ordered[:2]}
    assert statuses() == {c.pk: INACTIVE if c.pk in first_batch else ACTIVE for c in ordered}
    assert set(status_events().values_list("client_id", flat=True)) == first_batch

    # A rerun finishes the job.
    monkeypatch.setattr(bulk, "set_column_for_batch", set_batch)
    out, _ = set_status("Inactive", "--all", "--yes", "--batch-size", "2")
    assert out.strip() == "Changed 3 clients to Inactive (2 already Inactive, 0 not found)"
