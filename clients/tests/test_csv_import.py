"""Import CSV: the command and the admin's upload / preview / confirm, including hostile files."""

import csv
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from clients.models import Client, ClientEvent, ClientImport
from clients.tests.factories import ClientFactory, ClientGroupFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:clients_client_import")
HEADER = (
    "First Name,Last Name,Company Name,Email,Phone Number,Address 1,City,State,Postcode,Country"
)


def row(first="Ada", last="Lovelace", email="ada@example.com", country="GB", company="") -> str:
    return (
        f"{first},{last},{company},{email},+44.2012345678,1 Engine Row,London,London,EC1A,{country}"
    )


def csv_file(tmp_path, *lines: str, header: str = HEADER, name="clients.csv", bom=False):
    path = tmp_path / name
    text = "\n".join([header, *lines]) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path


def run_import(path, *options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_clients", str(path), *options, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(path, *options) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_clients", str(path), *options, stdout=io.StringIO(), stderr=err)
    return f"{err.getvalue()}\n{raised.value}"


def test_import_creates_clients_as_add_new_client_does(tmp_path):
    ClientGroupFactory(name="Resellers")
    path = csv_file(
        tmp_path,
        row(email="ada@example.com"),
        row(first="Grace", last="Hopper", email="GRACE@example.com", country="United States"),
        header=HEADER,
    )
    out, _ = run_import(path)
    assert "Imported 2 rows: 2 created, 0 updated, 0 rejected." in out
    grace = Client.objects.get(email="GRACE@example.com")
    assert (grace.country, grace.status, grace.currency) == ("US", "Active", "USD")
    assert ClientEvent.objects.filter(client=grace, kind=ClientEvent.Kind.CREATED).count() == 1


def test_whmcs_headers_bom_group_and_status(tmp_path):
    ClientGroupFactory(name="Resellers")
    header = (
        "firstname,lastname,companyname,email,phonenumber,address1,city,state,postcode,country,"
        "groupname,status,credit"
    )
    path = csv_file(
        tmp_path,
        "Ada,Lovelace,,ada@example.com,+44.20,1 Row,London,London,EC1,GB,resellers,inactive,5.00",
        header=header,
        bom=True,
    )
    out, err = run_import(path)
    assert "1 created" in out
    assert "“credit” is not imported" in err
    ada = Client.objects.get(email="ada@example.com")
    assert (ada.group.name, ada.status, str(ada.credit_balance)) == (
        "Resellers",
        "Inactive",
        "0.00",
    )


def test_export_reimports_unchanged(tmp_path):
    ClientFactory(email="one@example.com", phone_number="+44.2000000001", first_name="Mo")
    ClientFactory(email="two@example.com", status=Client.Status.CLOSED)
    exported = tmp_path / "export.csv"
    call_command("export_clients", "--output", str(exported), stderr=io.StringIO())
    before = list(Client.objects.order_by("pk").values())
    out, _ = run_import(exported, "--update-existing")
    assert "0 created, 2 updated, 0 rejected" in out
    after = list(Client.objects.order_by("pk").values())
    for old, new in zip(before, after, strict=True):
        old.pop("updated_at"), new.pop("updated_at")
        assert old == new
    assert not ClientEvent.objects.filter(kind=ClientEvent.Kind.PROFILE_CHANGED).exists()


def test_update_existing_changes_profile_with_history(tmp_path):
    client = ClientFactory(email="ada@example.com", city="Paris")
    path = csv_file(tmp_path, row(email="ADA@example.com"))
    assert "1 updated" in run_import(path, "--update-existing")[0]
    client.refresh_from_db()
    assert client.city == "London"
    assert ClientEvent.objects.filter(client=client, field="city", new_value="London").exists()


def test_one_bad_row_imports_nothing_and_names_line_and_column(tmp_path):
    path = csv_file(tmp_path, row(email="good@example.com"), row(email="not-an-email"))
    message = refused(path)
    assert "line 3, Email: Enter a valid email address." in message
    assert "nothing imported" in message
    assert not Client.objects.exists()


def test_skip_invalid_imports_good_rows_and_writes_rejects(tmp_path):
    ClientFactory(email="taken@example.com")
    path = csv_file(
        tmp_path,
        row(email="good@example.com"),
        row(email="taken@example.com"),
        row(first="=cmd|' /C calc'!A0", email="formula@example.com"),
        row(email="dup@example.com"),
        row(email="DUP@example.com"),
        row(country="Atlantis", email="atl@example.com"),
    )
    out, err = run_import(path, "--skip-invalid")
    assert "2 created, 0 updated, 4 rejected" in out
    assert set(Client.objects.values_list("email", flat=True)) == {
        "taken@example.com",
        "good@example.com",
        "dup@example.com",
    }
    rejects = list(csv.DictReader(io.StringIO((tmp_path / "clients.csv.rejects.csv").read_text())))
    reasons = [reject["Reason"] for reject in rejects]
    assert reasons[0].startswith("line 3: Email: A client with this email address already exists")
    assert "which a spreadsheet would run as a formula" in reasons[1]
    assert reasons[2] == "line 6: Email: The same email as line 5 of this file."
    assert reasons[3].startswith("line 7: Country: Not a country")
    assert rejects[0]["Email"] == "taken@example.com"


def test_dry_run_reports_and_changes_nothing(tmp_path):
    path = csv_file(tmp_path, row(), row(first="Grace", email="grace@example.com"))
    out, _ = run_import(path, "--dry-run")
    assert "Would import 2 rows: 2 created" in out
    assert "nothing changed (dry run)" in out
    assert not Client.objects.exists()


def test_welcome_email_only_when_asked(tmp_path, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        run_import(csv_file(tmp_path, row()))
    assert len(mail.outbox) == 0
    with django_capture_on_commit_callbacks(execute=True):
        run_import(
            csv_file(tmp_path, row(email="two@example.com"), name="b.csv"), "--send-welcome-email"
        )
    assert [message.to for message in mail.outbox] == [["two@example.com"]]


def test_hostile_files_are_refused_with_a_clear_message(tmp_path):
    ten_thousand_columns = ",".join(f"c{i}" for i in range(10_000))
    cases = {
        "binary.csv": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "it holds binary data"),
        "latin1.csv": ((HEADER + "\n" + row(first="Jos\xe9")).encode("latin-1"), "is not UTF-8"),
        "wide.csv": (ten_thousand_columns.encode(), "10,000 columns; a client import has at most"),
        "unknown.csv": (f"{HEADER},Shoe Size\n{row()},42".encode(), "Unknown column “Shoe Size”"),
        "missing.csv": (b"First Name,Last Name\nAda,Lovelace", "no “Email” column"),
        "empty.csv": (b"   \n", "The file is empty."),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        assert message in refused(path), name
    assert not Client.objects.exists()


def test_a_fifty_megabyte_file_is_refused_unread(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as huge:
        huge.write(f"{HEADER}\n".encode())
        huge.write((row() + "\n").encode() * (50 * 1024 * 1024 // len(row())))
    assert "the limit is 33.6 MB" in refused(path)


def test_unknown_column_is_ignored_with_skip_invalid(tmp_path):
    path = csv_file(tmp_path, f"{row()},42", header=f"{HEADER},Shoe Size")
    out, err = run_import(path, "--skip-invalid")
    assert "1 created" in out
    assert "Unknown column “Shoe Size”. It is ignored." in err


# ---- admin --------------------------------------------------------------------------------


def upload(http_client, content: str, **options):
    data = {"file": io.BytesIO(content.encode()), **options}
    data["file"].name = "clients.csv"
    return http_client.post(IMPORT, data)


def test_admin_upload_previews_then_imports_on_confirm(billing_client):
    assert (
        "Import CSV"
        in billing_client.get(reverse("admin:clients_client_changelist")).content.decode()
    )
    response = upload(
        billing_client, f"{HEADER}\n{row()}\n{row(first='Grace', email='g@example.com')}"
    )
    assert response.status_code == 302
    preview = billing_client.get(response["Location"])
    text = preview.content.decode()
    assert "Would create: <strong>2</strong>" in text
    assert 'value="Import 2 clients"' in text
    assert not Client.objects.exists()

    done = billing_client.post(response["Location"], follow=True)
    assert "Imported clients.csv: 2 created, 0 updated, 0 rejected." in done.content.decode()
    assert Client.objects.count() == 2
    record = ClientImport.objects.get()
    assert (record.status, record.content, record.actor_label) == ("imported", "", "billing")
    # A second confirm (back button, double click) imports nothing more.
    billing_client.post(response["Location"])
    assert Client.objects.count() == 2


def test_admin_preview_shows_the_column_mapping_and_first_rows(billing_client):
    header = "firstname,lastname,email,phonenumber,address1,city,state,postcode,country,credit"
    rows = [f"Cli{n},Test,c{n}@example.com,+44.20{n},1 Row,Leeds,Yorks,LS1,GB,9" for n in range(12)]
    data = {"file": io.BytesIO(("\ufeff" + "\n".join([header, *rows])).encode())}
    data["file"].name = "whmcs.csv"

    page = billing_client.get(billing_client.post(IMPORT, data)["Location"])

    mapping = page.context["report"]["mapping"]
    assert mapping[:3] == [
        ["firstname", "First Name"],
        ["lastname", "Last Name"],
        ["email", "Email"],
    ]
    assert ["phonenumber", "Phone Number"] in mapping
    text = page.content.decode()
    assert 'id="import-mapping"' in text and 'id="import-preview"' in text
    assert "c0@example.com" in text and "c9@example.com" in text
    assert "c10@example.com" not in text  # the first ten rows only
    assert "“credit” is not imported" in text
    assert 'value="Import 12 clients"' in text
    assert not Client.objects.exists()


def test_admin_preview_lists_problems_and_offers_no_import(billing_client):
    response = upload(billing_client, f"{HEADER}\n{row()}\n{row(email='bad')}")
    text = billing_client.get(response["Location"]).content.decode()
    assert "line 3, Email: Enter a valid email address." in text
    assert "Nothing can be imported while the file has a problem" in text
    assert "Import 1 client" not in text
    billing_client.post(response["Location"])  # forced anyway: refused, nothing written
    assert not Client.objects.exists()


def test_admin_skip_invalid_offers_rejects_download(billing_client):
    response = upload(billing_client, f"{HEADER}\n{row()}\n{row(email='bad')}", skip_invalid="on")
    billing_client.post(response["Location"])
    assert Client.objects.count() == 1
    record = ClientImport.objects.get()
    rejects = billing_client.get(reverse("admin:clients_client_import_rejects", args=[record.pk]))
    assert "line 3: Email: Enter a valid email address." in rejects.content.decode()


@override_settings(CLIENT_IMPORT_MAX_BYTES=100)
def test_admin_refuses_a_file_over_the_limit_on_the_form(billing_client):
    response = upload(billing_client, f"{HEADER}\n{row()}")
    assert response.status_code == 200
    assert "the limit is 0.0 MB" in response.content.decode()
    assert not ClientImport.objects.exists()


def test_admin_refuses_binary_upload_on_the_form(billing_client):
    data = {"file": io.BytesIO(b"\x00\x01\x02binary")}
    data["file"].name = "photo.csv"
    response = billing_client.post(IMPORT, data)
    assert "it holds binary data" in response.content.decode()


def test_support_staff_cannot_import(support_client):
    client = support_client
    assert (
        "Import CSV" not in client.get(reverse("admin:clients_client_changelist")).content.decode()
    )
    assert client.get(IMPORT).status_code == 403
    assert upload(client, f"{HEADER}\n{row()}").status_code == 403
    assert not Client.objects.exists()


def test_custom_fields_export_and_import(tmp_path, admin_user):
    from customfields.models import CustomFieldValue
    from customfields.services import client_set_custom_field_values
    from customfields.tests.factories import CustomFieldFactory, dropdown

    plan = dropdown(name="Support plan", options="Gold,Silver", required=True)
    vat = CustomFieldFactory(name="VAT number")
    known = ClientFactory(email="known@example.com")
    client_set_custom_field_values(
        client_id=known.pk, values={plan.pk: "Gold", vat.pk: "=GB1"}, actor=admin_user
    )
    exported = tmp_path / "out.csv"
    call_command(
        "export_clients",
        "--fields",
        f"email,custom_field_{plan.pk},custom_field_{vat.pk}",
        "--output",
        str(exported),
        stderr=io.StringIO(),
    )
    assert list(csv.DictReader(io.StringIO(exported.read_text()))) == [
        {"Email": "known@example.com", "Support plan": "Gold", "VAT number": "'=GB1"}
    ]

    header = f"{HEADER},Support plan,VAT number"
    path = csv_file(
        tmp_path,
        f"{row(email='new@example.com')},Silver,GB2",
        f"{row(email='bad@example.com')},Platinum,",
        f"{row(email='none@example.com')},,GB3",
        header=header,
        name="in.csv",
    )
    out, _ = run_import(path, "--skip-invalid")
    assert "1 created, 0 updated, 2 rejected" in out
    new = Client.objects.get(email="new@example.com")
    assert dict(
        CustomFieldValue.objects.filter(client=new).values_list("field__name", "value")
    ) == {"Support plan": "Silver", "VAT number": "GB2"}
    reasons = [
        r["Reason"]
        for r in csv.DictReader(io.StringIO((tmp_path / "in.csv.rejects.csv").read_text()))
    ]
    assert reasons[0].startswith("line 3: Support plan:")
    assert "required custom field value for Support plan" in reasons[1]


def test_uploads_are_cleared_after_the_keep_period(billing_client):
    from datetime import timedelta

    from django.utils import timezone

    from clients.services import client_imports_expire

    upload(billing_client, f"{HEADER}\n{row()}")
    record = ClientImport.objects.get()
    assert "Ada" in record.content and record.report["preview"]
    assert client_imports_expire() == 0  # still within CLIENT_IMPORT_KEEP_HOURS
    ClientImport.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert client_imports_expire() == 1
    record.refresh_from_db()
    assert (record.content, record.rejects_csv, record.status) == ("", "", "refused")
    assert "preview" not in record.report and record.report["rows"] == 1
    assert not Client.objects.exists()
