"""Simultaneous API calls cannot overdraw a balance (the services lock the client row) nor
record one gateway transaction id twice (the service locks the id)."""

from decimal import Decimal

import pytest
from django.test import Client as HttpClient

from billing_admin.tests.threads import run_at_once
from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from transactions.models import Transaction


@pytest.mark.django_db(transaction=True)
def test_concurrent_credit_removals_never_overdraw(credential_and_secret):
    credential, secret = credential_and_secret
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("10.00"), description="seed", actor=None)

    def remove_eight():
        return (
            HttpClient()
            .post(
                "/includes/api.php",
                {
                    "identifier": credential.identifier,
                    "secret": secret,
                    "action": "AddCredit",
                    "type": "remove",
                    "clientid": client.pk,
                    "amount": "8.00",
                    "description": "race",
                },
            )
            .json()
        )

    answers = run_at_once(*[remove_eight] * 4)

    results = sorted(answer["result"] for answer in answers)
    assert results == ["error", "error", "error", "success"]
    assert [a["newbalance"] for a in answers if a["result"] == "success"] == ["2.00"]
    client.refresh_from_db()
    assert client.credit_balance == Decimal("2.00")
    assert CreditEntry.objects.filter(kind=CreditEntry.Kind.REMOVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_add_transactions_with_one_transid_write_one_row(credential_and_secret):
    credential, secret = credential_and_secret
    client = ClientFactory()
    callers = 4

    def add_transaction():
        return (
            HttpClient()
            .post(
                "/includes/api.php",
                {
                    "identifier": credential.identifier,
                    "secret": secret,
                    "action": "AddTransaction",
                    "userid": client.pk,
                    "paymentmethod": "paypal",
                    "transid": "RACE-1",
                    "description": "Deposit",
                    "amountin": "5.00",
                },
            )
            .json()
        )

    answers = run_at_once(*[add_transaction] * callers)

    assert sorted(answer.get("message", "") for answer in answers) == [""] + [
        "Transaction ID must be Unique"
    ] * (callers - 1)
    assert Transaction.objects.filter(transaction_id="RACE-1").count() == 1
