"""Export CSV: the list button, the action, the column form, the command; formula guarding."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.http import urlencode

from clients.csv_export import COLUMN_KEYS
from clients.models import Client
from clients.tests.factories import ClientFactory, ClientGroupFactory
from credits.services import add_credit

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:clients_client_changelist")
EXPORT = reverse("admin:clients_client_export")


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def streamed(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_list_button_exports_what_the_search_shows(billing_client):
    ClientFactory(first_name="Zebedee", last_name="Quill", email="zq@example.com")
    ClientFactory(first_name="Other", last_name="Person")
    page = billing_client.get(CHANGELIST, {"q": "Zebedee"})
    filters = urlencode({"q": "Zebedee"})
    assert f"{EXPORT}?_changelist_filters={urlencode({'x': filters})[2:]}" in page.content.decode()

    form = billing_client.get(EXPORT, {"_changelist_filters": filters})
    assert form.status_code == 200
    assert "every client the list shows" in form.content.decode()
    response = billing_client.post(
        f"{EXPORT}?{urlencode({'_changelist_filters': filters})}",
        {"columns": ["id", "email", "last_name"]},
    )
    assert response["Content-Disposition"].startswith('attachment; filename="clients-')
    rows = read_csv(streamed(response))
    assert rows == [
        {
            "ID": str(Client.objects.get(email="zq@example.com").pk),
            "Email": "zq@example.com",
            "Last Name": "Quill",
        }
    ]


def test_filtered_list_exports_only_matching_status(billing_client):
    ClientFactory(status=Client.Status.CLOSED, email="closed@example.com")
    ClientFactory(email="open@example.com")
    filters = urlencode({"status__exact": "Closed"})
    response = billing_client.post(
        f"{EXPORT}?{urlencode({'_changelist_filters': filters})}", {"columns": ["email", "status"]}
    )
    assert read_csv(streamed(response)) == [{"Email": "closed@example.com", "Status": "Closed"}]


def test_action_exports_the_selection_with_every_column(billing_client, admin_user):
    group = ClientGroupFactory(name="Resellers")
    chosen = ClientFactory(email="chosen@example.com", group=group)
    add_credit(
        client_id=chosen.pk, amount=Decimal("12.50"), description="Goodwill", actor=admin_user
    )
    ClientFactory(email="not-chosen@example.com")
    response = billing_client.post(
        CHANGELIST, {"action": "export_selected_csv", ACTION_CHECKBOX_NAME: [chosen.pk]}
    )
    assert response.status_code == 302
    form_url = response["Location"]
    assert "the selected clients" in billing_client.get(form_url).content.decode()
    rows = read_csv(streamed(billing_client.post(form_url, {"columns": list(COLUMN_KEYS)})))
    assert len(rows) == 1
    row = rows[0]
    assert row["Email"] == "chosen@example.com"
    assert row["Group"] == "Resellers"
    assert row["Credit Balance"] == "12.50"
    assert row["Status"] == "Active"
    assert row["Phone Number"].startswith("'+44")  # guarded: a spreadsheet would run "+..."


def test_no_column_chosen_is_a_form_error(billing_client):
    response = billing_client.post(EXPORT, {})
    assert response.status_code == 200
    assert "Choose at least one column." in response.content.decode()


def test_support_staff_cannot_export(support_client):
    ClientFactory()
    page = support_client.get(CHANGELIST)
    assert EXPORT not in page.content.decode()
    assert (
        "export_selected_csv"
        not in {name for name, _ in page.context["action_form"].fields["action"].choices}
        if page.context["action_form"]
        else True
    )
    assert support_client.get(EXPORT).status_code == 403
    assert support_client.post(EXPORT, {"columns": ["email"]}).status_code == 403


def test_formula_cells_are_neutralised():
    ClientFactory(first_name='=HYPERLINK("http://evil")', company_name="@SUM(A1)", email="f@x.com")
    out = io.StringIO()
    call_command("export_clients", "--fields", "first_name,company_name,email", stdout=out)
    row = read_csv(out.getvalue())[0]
    assert row["First Name"] == '\'=HYPERLINK("http://evil")'
    assert row["Company Name"] == "'@SUM(A1)"
    assert row["Email"] == "f@x.com"


def test_command_filters_by_status_and_writes_a_file(tmp_path):
    ClientFactory(email="a@example.com")
    ClientFactory(email="b@example.com", status=Client.Status.INACTIVE)
    ClientFactory(email="c@example.com", status=Client.Status.CLOSED)
    target = tmp_path / "out.csv"
    err = io.StringIO()
    call_command(
        "export_clients",
        "--status",
        "inactive",
        "--status",
        "Closed",
        "--fields",
        "email",
        "--output",
        str(target),
        stderr=err,
    )
    assert read_csv(target.read_text()) == [{"Email": "b@example.com"}, {"Email": "c@example.com"}]
    assert "Exported 2 clients" in err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fields", "email,shoe_size"], "Unknown columns: shoe_size"),
        (["--fields", ","], "name at least one column"),
        (["--status", "Sleeping"], "'Sleeping' is not Active, Inactive or Closed"),
        (["--output", "/nonexistent-dir/x.csv"], "--output:"),
    ],
)
def test_command_bad_input_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("export_clients", *args, stdout=io.StringIO())


def test_export_streams_in_constant_queries(django_assert_max_num_queries):
    ClientFactory.create_batch(30)
    out = io.StringIO()
    # A server-side cursor: declare, fetch chunks, close. No query per client.
    with django_assert_max_num_queries(4):
        call_command("export_clients", stdout=out)
    assert len(read_csv(out.getvalue())) == 30


def test_export_crosses_chunks_in_id_order_with_the_selection(billing_client, monkeypatch):
    monkeypatch.setattr("clients.csv_export.EXPORT_CHUNK_SIZE", 2)
    chosen = [ClientFactory(email=f"c{n}@example.com") for n in range(5)]
    ClientFactory(email="other@example.com", status=Client.Status.CLOSED)
    out = io.StringIO()
    call_command("export_clients", "--status", "Active", "--fields", "id,email", stdout=out)
    assert read_csv(out.getvalue()) == [
        {"ID": str(client.pk), "Email": client.email} for client in chosen
    ]


def test_column_form_offers_custom_fields_and_exports_them(billing_client):
    from customfields.services import client_set_custom_field_values
    from customfields.tests.factories import dropdown

    plan = dropdown(name="Support plan", options="Gold,Silver")
    gold = ClientFactory(email="gold@example.com")
    ClientFactory(email="unset@x.com")
    client_set_custom_field_values(client_id=gold.pk, values={plan.pk: "Gold"}, actor=None)
    key = f"custom_field_{plan.pk}"

    form = billing_client.get(EXPORT)
    assert (key, "Support plan") in form.context["form"].fields["columns"].choices
    assert key in form.context["form"].fields["columns"].initial
    response = billing_client.post(EXPORT, {"columns": ["email", key, "created_at"]})
    rows = read_csv(streamed(response))

    assert [(row["Email"], row["Support plan"]) for row in rows] == [
        ("gold@example.com", "Gold"),
        ("unset@x.com", ""),
    ]
    assert all(row["Created"].startswith(str(gold.created_at.year)) for row in rows)


def test_export_follows_a_custom_field_filter_and_a_search_by_contact(billing_client):
    from clients.services import contact_create
    from customfields.services import client_set_custom_field_values
    from customfields.tests.factories import dropdown

    plan = dropdown(name="Support plan", options="Gold,Silver", filterable=True)
    gold, silver = ClientFactory(email="gold@example.com"), ClientFactory(email="s@example.com")
    for client, value in ((gold, "Gold"), (silver, "Silver")):
        client_set_custom_field_values(client_id=client.pk, values={plan.pk: value}, actor=None)
    contact_create(client_id=silver.pk, actor=None, first_name="Bo", email="bo@accounts.example")

    def export(filters: dict) -> list[str]:
        query = urlencode({"_changelist_filters": urlencode(filters)})
        response = billing_client.post(f"{EXPORT}?{query}", {"columns": ["email"]})
        return [row["Email"] for row in read_csv(streamed(response))]

    assert export({f"cf{plan.pk}": "Gold"}) == ["gold@example.com"]
    assert export({"q": "bo@accounts"}) == ["s@example.com"]
