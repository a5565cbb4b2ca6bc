"""Random sequences of credit operations keep the ledger invariant and match a simple model."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import ClientEvent
from credits import services
from credits.tests.assertions import assert_credit_invariant
from credits.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500.00"), places=2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("add"), amounts),
        st.tuples(st.just("remove"), amounts),
        st.tuples(st.just("adjust"), st.decimals(min_value=0, max_value=500, places=2)),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=30,
    deadline=None,
    # Each example makes its own client, so sharing the test's database is fine.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=operations)
def test_credit_operations_keep_the_invariant(operations):
    customer = ClientFactory()
    balance, entries, adjustments = Decimal("0.00"), 0, 0
    for name, amount in operations:
        if name == "add":
            services.add_credit(client_id=customer.pk, amount=amount, description="+", actor=None)
            balance, entries = balance + amount, entries + 1
        elif name == "remove" and amount > balance:
            with pytest.raises(ValidationError):
                services.remove_credit(
                    client_id=customer.pk, amount=amount, description="-", actor=None
                )
        elif name == "remove":
            services.remove_credit(
                client_id=customer.pk, amount=amount, description="-", actor=None
            )
            balance, entries = balance - amount, entries + 1
        else:
            event = services.adjust_balance(client_id=customer.pk, new_balance=amount, actor=None)
            adjustments += event is not None
            assert (event is None) == (amount == balance)
            balance = amount

        customer.refresh_from_db()
        assert customer.credit_balance == balance
        assert customer.credit_entries.count() == entries
        assert customer.events.filter(kind=ClientEvent.Kind.BALANCE_ADJUSTED).count() == adjustments
    assert_credit_invariant()
