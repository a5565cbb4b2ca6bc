"""The data export holds every row the database has about the client: the test enumerates the
models related to Client, so a new model without export support fails it."""

import json

import pytest

from billing_admin.personal_data import client_related_models, holders
from clients.models import ClientDataExport
from privacy.export import EXPORT_FORMAT, client_export_chunks
from privacy.services import EXPORT_VERSION
from privacy.tests.builders import build_marked_client

pytestmark = pytest.mark.django_db


def export_of(client_id: int) -> dict:
    return json.loads("".join(client_export_chunks(client_id)))


def test_export_holds_every_row_of_every_related_model(admin_user):
    client = build_marked_client(admin_user)
    other = build_marked_client(admin_user)

    document = export_of(client.pk)

    assert document["format"] == EXPORT_FORMAT
    assert document["version"] == EXPORT_VERSION
    assert document["client_id"] == client.pk
    declared = holders()
    exported = {holder.model for holder in declared.values() if holder.exported}
    models = {*client_related_models(), *(m for m, h in declared.items() if h.exported)}
    for model in sorted(models, key=lambda m: m._meta.label):
        label = model._meta.label
        assert label in exported, f"{label} is related to Client but not exported"
        holder = declared[model]
        expected = set(holder.client_rows([client.pk]).values_list("pk", flat=True))
        assert expected, f"the builder made no {label} row: plant one in privacy/tests/builders.py"
        assert {row["id"] for row in document["tables"][label]} == expected, label
        assert not set(holder.client_rows([other.pk]).values_list("pk", flat=True)) & {
            row["id"] for row in document["tables"][label]
        }, f"{label}: another client's rows in the export"


def test_export_rows_carry_every_column(admin_user):
    client = build_marked_client(admin_user)

    document = export_of(client.pk)

    (profile,) = document["tables"]["clients.Client"]
    assert profile["email"] == client.email
    assert profile["credit_balance"] == "0.00"
    invoice = document["tables"]["invoices.Invoice"][0]
    assert {"billed_last_name", "billed_contact_email", "total", "client_id"} <= invoice.keys()
    assert "search_vector" not in profile


def test_export_query_count_does_not_grow_with_the_client(
    admin_user, django_assert_num_queries, django_assert_max_num_queries
):
    client = build_marked_client(admin_user)
    # One query per exported table, at most, and the content type of the admin's log.
    with django_assert_max_num_queries(len(holders()) + 1) as small:
        export_of(client.pk)
    for _ in range(30):
        ClientDataExport.objects.create(
            client=client, reason="again", format_version=EXPORT_VERSION, actor_label="x"
        )
    with django_assert_num_queries(len(small.captured_queries)):
        document = export_of(client.pk)
    assert len(document["tables"]["clients.ClientDataExport"]) == 31


def test_export_streams_in_pieces(admin_user, monkeypatch):
    client = build_marked_client(admin_user)
    monkeypatch.setattr("privacy.export.CHUNK_ROWS", 2)
    pieces = list(client_export_chunks(client.pk))
    assert len(pieces) > len(holders()) + 2
    assert json.loads("".join(pieces))["client_id"] == client.pk
