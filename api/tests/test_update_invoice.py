"""UpdateInvoice over HTTP: every change through invoices.services.invoice_update."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from api.registry import ACTION_NAMES
from api.services import credential_create
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices.models import Invoice
from invoices.tests.factories import make_invoice

pytestmark = pytest.mark.django_db


def test_update_invoice_lines_dates_notes_and_method(call):
    invoice = make_invoice(amounts=("10.00", "5.00"))
    first, second = invoice.items.order_by("pk")
    answer = call(
        "UpdateInvoice",
        invoiceid=invoice.pk,
        **{
            f"itemdescription[{first.pk}]": "Hosting",
            f"itemamount[{first.pk}]": "12.00",
            f"itemtaxed[{first.pk}]": "1",
            "newitemdescription[]": ["Domain", "SSL"],
            "newitemamount[]": ["8.00", "2.50"],
            "deletelineids[]": [second.pk],
        },
        duedate="2026-12-31",
        notes="Corrected",
        paymentmethod="banktransfer",
    )
    assert answer == {"result": "success", "invoiceid": invoice.pk}
    invoice.refresh_from_db()
    assert (invoice.total, invoice.due_date, invoice.notes, invoice.payment_method) == (
        Decimal("22.50"),
        date(2026, 12, 31),
        "Corrected",
        "banktransfer",
    )
    assert list(invoice.items.values_list("description", "amount", "taxed")) == [
        ("Hosting", Decimal("12.00"), True),
        ("Domain", Decimal("8.00"), False),
        ("SSL", Decimal("2.50"), False),
    ]
    shown = call("GetInvoice", invoiceid=invoice.pk)
    assert shown["total"] == "22.50"


def test_update_invoice_publish_and_credit(call):
    client = ClientFactory()
    add_credit(client_id=client.pk, amount="10.00", description="Prepay", actor=None)
    draft = make_invoice(amount="15.00", client=client, status=Invoice.Status.DRAFT)
    assert call("UpdateInvoice", invoiceid=draft.pk, publish="true", credit="6.00")["result"] == (
        "success"
    )
    draft.refresh_from_db()
    client.refresh_from_db()
    assert (draft.status, draft.credit_applied, client.credit_balance) == (
        Invoice.Status.UNPAID,
        Decimal("6.00"),
        Decimal("4.00"),
    )
    answer = call("UpdateInvoice", invoiceid=draft.pk, publish="1")
    assert answer == {
        "result": "error",
        "message": "Invoice must be in Draft status to be published",
    }


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"invoiceid": "404"}, "Invoice ID Not Found"),
        ({"status": "Bogus"}, "Invalid status Bogus"),
        ({"taxrate": "20"}, "UpdateInvoice does not support: taxrate"),
        ({"duedate": "31/12/2026"}, "Date Format is not Valid"),
        ({"credit": "1.00"}, "Amount exceeds customer credit balance"),
        ({"itemdescription[1]": "x"}, "Missing Variables: itemamount[1], itemtaxed[1]"),
        (
            {"newitemdescription[]": ["A", "B"], "newitemamount[]": ["1"]},
            "Each new line needs newitemdescription[] and newitemamount[]",
        ),
        ({"newitemdescription[]": ["A"], "newitemamount[]": ["x"]}, None),
        ({"deletelineids[]": ["abc"]}, "Invalid line id abc"),
        ({"deletelineids[]": ["999999"]}, None),
        ({"status": "Paid"}, None),
    ],
)
def test_update_invoice_refusals_write_nothing(call, params, message):
    invoice = make_invoice(amount="10.00")
    answer = call("UpdateInvoice", **{"invoiceid": invoice.pk, "notes": "changed", **params})
    assert answer["result"] == "error"
    if message is not None:
        assert answer["message"] == message
    invoice.refresh_from_db()
    assert (invoice.status, invoice.notes, invoice.total, invoice.items.count()) == (
        Invoice.Status.UNPAID,
        "",
        Decimal("10.00"),
        1,
    )


def test_update_invoice_cancel_and_credit_need_their_own_permissions(client, django_user_model):
    owner = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    owner.user_permissions.add(
        *Permission.objects.filter(codename__in=["change_invoice", "view_invoice"])
    )
    credential, secret = credential_create(
        name="Clerk",
        user=owner,
        allowed_actions=ACTION_NAMES,
        allowed_ips=["127.0.0.1"],
        actor=None,
    )
    invoice = make_invoice(amount="10.00")

    def update(**params):
        data = {"identifier": credential.identifier, "secret": secret, "action": "UpdateInvoice"}
        return client.post("/includes/api.php", {**data, "invoiceid": invoice.pk, **params})

    assert update(notes="ok").json()["result"] == "success"
    assert update(status="Cancelled").status_code == 403
    assert update(credit="0").status_code == 403
    invoice.refresh_from_db()
    assert (invoice.status, invoice.notes) == (Invoice.Status.UNPAID, "ok")
