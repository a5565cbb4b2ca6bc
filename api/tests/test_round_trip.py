"""The admin flows end to end through the API, as a migrating WHMCS script would drive them."""

from decimal import Decimal

import pytest

from api.tests.factories import add_client_params
from clients.models import Client, ClientDeletion
from credits.models import CreditEntry
from transactions.models import Transaction

pytestmark = pytest.mark.django_db


def test_round_trip_client_credit_invoice_payment_delete(call, credential):
    client_id = call("AddClient", **add_client_params(email="trip@example.com"))["clientid"]

    assert call("AddCredit", clientid=client_id, description="Prepay", amount="20.00") == {
        "result": "success",
        "newbalance": "20.00",
    }

    invoice = call(
        "CreateInvoice",
        userid=client_id,
        itemdescription1="Hosting",
        itemamount1="45.90",
        autoapplycredit="1",
    )
    invoice_id = invoice["invoiceid"]
    details = call("GetInvoice", invoiceid=invoice_id)
    assert (details["status"], details["credit"], details["balance"]) == (
        "Unpaid",
        "20.00",
        "25.90",
    )
    assert call("GetClientsDetails", clientid=client_id)["client"]["credit"] == "0.00"

    assert call("AddInvoicePayment", invoiceid=invoice_id, transid="TRIP-1", gateway="paypal") == {
        "result": "success"
    }
    details = call("GetInvoice", invoiceid=invoice_id)
    assert (details["status"], details["balance"]) == ("Paid", "0.00")
    (txn_row,) = details["transactions"]["transaction"]
    assert txn_row["amountin"] == "25.90"

    credits = call("GetCredits", clientid=client_id)["credits"]["credit"]
    assert [row["amount"] for row in credits] == ["20.00", "-20.00"]

    assert call("DeleteClient", clientid=client_id) == {
        "result": "success",
        "clientid": str(client_id),
    }
    assert not Client.objects.filter(pk=client_id).exists()
    assert not CreditEntry.objects.exists()
    txn = Transaction.objects.get(transaction_id="TRIP-1")
    assert (txn.client_id, txn.client_snapshot_id, txn.amount_in) == (
        None,
        client_id,
        Decimal("25.90"),
    )
    assert txn.client_email == "trip@example.com"
    # The kept transaction is still found by the deleted client's id, as WHMCS keeps userid.
    found = call("GetTransactions", clientid=client_id)["transactions"]["transaction"]
    assert [row["transid"] for row in found] == ["TRIP-1"]
    deletion = ClientDeletion.objects.get(client_id=client_id)
    assert deletion.actor_label == f"API: {credential.identifier}"
    assert deletion.kept_transactions == 1
