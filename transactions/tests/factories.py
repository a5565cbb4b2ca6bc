"""Test data for transactions, written through transaction_create like every real row."""

from decimal import Decimal

from transactions.services import transaction_create


def make_transaction(*, client=None, invoice=None, **fields):
    """A transaction via the service; any field can be overridden."""
    defaults = {
        "gateway": "paypal",
        "amount_in": Decimal("10.00"),
        "description": "Payment",
        "currency": None if (client or invoice) else "USD",
    }
    return transaction_create(actor=None, client=client, invoice=invoice, **{**defaults, **fields})
