"""Lookup actions: GetCurrencies, GetPaymentMethods (GetClientGroups is with the clients)."""

import pytest

pytestmark = pytest.mark.django_db


def test_get_currencies_numbers_the_configured_currencies(call, settings):
    settings.CURRENCIES = ["USD", "EUR"]
    answer = call("GetCurrencies")
    assert answer["totalresults"] == 2
    assert [(c["id"], c["code"]) for c in answer["currencies"]["currency"]] == [
        (1, "USD"),
        (2, "EUR"),
    ]


def test_get_payment_methods(call, settings):
    settings.PAYMENT_METHODS = {"paypal": "PayPal", "stripe": "Stripe"}
    answer = call("GetPaymentMethods")
    assert answer == {
        "result": "success",
        "totalresults": 2,
        "paymentmethods": {
            "paymentmethod": [
                {"module": "paypal", "displayname": "PayPal"},
                {"module": "stripe", "displayname": "Stripe"},
            ]
        },
    }
