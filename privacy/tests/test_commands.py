"""anonymise_clients and export_client_data: the admin's services from the command line."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clients.models import Client, ClientDataExport
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from privacy.services import client_anonymise
from privacy.tests.builders import build_marked_client

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_anonymise_clients_by_ids_with_progress_and_summary():
    clients = ClientFactory.create_batch(3)
    ids = ",".join(str(c.pk) for c in clients[:2])

    out, err = run("anonymise_clients", "--ids", ids, "--yes")

    assert "Anonymised 2 clients (0 already anonymised)." in out
    assert f"[2/2] #{clients[1].pk}" in err
    assert Client.objects.filter(anonymised_at__isnull=False).count() == 2
    assert Client.objects.get(pk=clients[2].pk).anonymised_at is None


def test_anonymise_clients_from_a_file_of_emails(tmp_path):
    client = ClientFactory(email="leaving@example.com")
    path = tmp_path / "clients.csv"
    path.write_text("email\nleaving@example.com\n")

    run("anonymise_clients", "--file", str(path), "--yes")

    assert Client.objects.get(pk=client.pk).anonymised_at is not None


def test_anonymise_clients_dry_run_changes_nothing(admin_user):
    client = build_marked_client(admin_user)

    out, _ = run("anonymise_clients", "--ids", str(client.pk), "--dry-run")

    assert f"#{client.pk}" in out
    assert "would cancel 3 invoices" in out
    assert "Dry run: would anonymise 1 clients; nothing changed." in out
    assert Client.objects.get(pk=client.pk).anonymised_at is None


def test_anonymise_clients_unknown_id_changes_nothing():
    client = ClientFactory()

    with pytest.raises(CommandError, match="no client with id 999999"):
        run("anonymise_clients", "--ids", f"{client.pk},999999", "--yes")

    assert Client.objects.get(pk=client.pk).anonymised_at is None


def test_anonymise_clients_with_credit_changes_nothing():
    client, other = ClientFactory.create_batch(2)
    add_credit(client_id=client.pk, amount="2.00", description="Prepay", actor=None)

    with pytest.raises(CommandError, match=f"#{client.pk} holds 2.00 USD"):
        run("anonymise_clients", "--ids", f"{client.pk},{other.pk}", "--yes")

    assert not Client.objects.filter(anonymised_at__isnull=False).exists()


def test_anonymise_clients_already_anonymised_is_skipped():
    client = ClientFactory()
    client_anonymise(client_id=client.pk, actor=None)

    out, _ = run("anonymise_clients", "--ids", str(client.pk), "--yes")

    assert "already anonymised" in out
    assert "Nothing to anonymise." in out


def test_anonymise_clients_needs_a_selection():
    with pytest.raises(CommandError, match="--ids"):
        run("anonymise_clients", "--yes")


def test_export_client_data_to_a_file(admin_user, tmp_path):
    client = build_marked_client(admin_user)
    path = tmp_path / "export.json"

    _, err = run(
        "export_client_data",
        "--id",
        str(client.pk),
        "--reason",
        "Access request",
        "--output",
        str(path),
    )

    document = json.loads(path.read_text())
    assert document["client_id"] == client.pk
    assert len(document["tables"]["invoices.Invoice"]) == 3
    assert f"Exported client #{client.pk}" in err
    record = ClientDataExport.objects.latest("pk")
    assert (record.reason, record.actor_label) == ("Access request", "system")


def test_export_client_data_to_stdout():
    client = ClientFactory()

    out, _ = run("export_client_data", "--id", str(client.pk), "--reason", "Portability")

    assert json.loads(out)["tables"]["clients.Client"][0]["email"] == client.email


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--id", "999999", "--reason", "x"], "Client #999999 does not exist"),
        (["--id", "abc", "--reason", "x"], "not a client id"),
        (["--id", "1", "--reason", " "], "State why"),
        (["--id", "1", "--reason", "x", "--output", "/nonexistent/dir/x.json"], "cannot write"),
    ],
)
def test_export_client_data_bad_input_records_nothing(args, message):
    ClientFactory(pk=1)
    with pytest.raises(CommandError, match=message):
        run("export_client_data", *args)
    assert not ClientDataExport.objects.exists()
