"""PreparedRead: an ORM read compiled once, run with new values, answering as the ORM does."""

import pytest
from django.db.models.functions import Lower

from billing_admin.prepared import PLACEHOLDER_ID, PLACEHOLDER_TEXT, PreparedRead
from clients.models import Client
from clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def test_a_prepared_read_runs_its_query_with_each_new_value(django_assert_num_queries):
    ada, bob = ClientFactory(first_name="Ada"), ClientFactory(first_name="Bob")
    by_id_and_name = PreparedRead(
        lambda client_id, name: Client.objects.annotate(name_lower=Lower("first_name")).filter(
            pk=client_id, first_name=name
        ),
        PLACEHOLDER_ID,
        PLACEHOLDER_TEXT,
    )
    with django_assert_num_queries(1):
        (found,) = by_id_and_name.run(ada.pk, "Ada")
    assert (found, found.first_name, found.name_lower) == (ada, "Ada", "ada")
    assert found.credit_balance == Client.objects.get(pk=ada.pk).credit_balance
    assert list(by_id_and_name.run(bob.pk, "Bob")) == [bob]
    assert list(by_id_and_name.run(bob.pk, "Ada")) == []


def test_a_placeholder_the_build_transforms_is_refused():
    lowered = PreparedRead(
        lambda email: Client.objects.filter(email=email.upper()), PLACEHOLDER_TEXT
    )
    with pytest.raises(ValueError, match="do not reach the SQL unchanged"):
        lowered.run("a@example.com")
