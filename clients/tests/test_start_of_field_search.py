"""The API's start-of-field search (``clients_matching_start``) finds a client exactly when its
email, first name, last name, "first last" or company starts with the term, whatever the
letters' case, accents or punctuation, and LIKE's wildcards in the term are plain characters."""

import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clients.models import Client
from clients.selectors import clients_matching_start
from clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

# Letters (some beyond ASCII), digits, blanks, punctuation and LIKE's own wildcards and escape.
NAME_CHARACTERS = "abcxyzAÉéñß019 .-@/_'%+,#~\\"
names = st.text(alphabet=NAME_CHARACTERS, max_size=14)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=names,
    last=names,
    company=names,
    field=st.sampled_from(["first", "last", "full", "company", "other"]),
    length=st.integers(min_value=1, max_value=30),
)
@example(first="olivia.smith10x", last="", company="", field="first", length=14)
@example(first="Ab", last="Cd", company="", field="full", length=4)
@example(first="", last="", company="100% Ltd", field="company", length=4)
@example(first="a_b", last="", company="", field="other", length=3)
def test_a_client_is_found_exactly_when_a_field_starts_with_the_term(
    first, last, company, field, length
):
    email = f"z{uuid.uuid4().hex}@example.com"  # examples share the test's transaction
    client = ClientFactory(first_name=first, last_name=last, company_name=company, email=email)
    target = {
        "first": first,
        "last": last,
        "full": f"{first} {last}",
        "company": company,
        "other": "a%b_c\\d",  # a term that is mostly wildcards
    }[field]
    term = target[:length]
    if not term.strip():
        return
    fields = [first, last, f"{first} {last}", company, email]
    expected = any(value.lower().startswith(term.lower()) for value in fields)
    found = clients_matching_start(Client.objects.filter(pk=client.pk), term).exists()
    assert found == expected, (fields, term)
