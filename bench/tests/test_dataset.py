"""The bench's dataset builder at a size a test can afford: every statement must still fit the
schema (a NOT NULL column added without a default once broke the 1M build, unnoticed until the
next bench run), and the balances it writes must keep the credit invariant."""

from datetime import date

import pytest

from bench.dataset import build, existing
from clients.models import Client
from credits.models import CreditEntry
from invoices.models import Invoice
from transactions.models import Transaction

pytestmark = pytest.mark.django_db(transaction=True)  # it ends with VACUUM (ANALYZE)


def test_the_bench_dataset_builds_at_a_small_size():
    dataset = build(200, date(2026, 1, 15), log=lambda message: None)

    assert existing(200, dataset.today) == dataset
    assert Client.objects.count() == 201  # and the large client
    for model in (CreditEntry, Invoice, Transaction):
        assert model.objects.filter(client_id=dataset.large_client_id).exists(), model
