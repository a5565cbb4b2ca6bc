"""The API's start-of-field search narrows by the names' word vector before its exact test: that
narrowing must keep every client whose name field starts with the term, whatever PostgreSQL's
parser makes of the name (compounds such as "a.b@c.io", "ab-cd", "-5", "x/y.z")."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from clients.selectors import START_NARROWING_MAX_PREFIXES, start_of_field_tsquery

pytestmark = pytest.mark.django_db

# Letters (some beyond ASCII), digits, blanks and the punctuation the parser builds tokens from;
# not ":", "<" or "&", which make the URL schemes, tags and entities the vector has no word of.
NAME_CHARACTERS = "abcxyzAÉéñß019 .-@/_'%+,#~"
names = st.text(alphabet=NAME_CHARACTERS, max_size=14)


def vector_matches(first: str, last: str, company: str, tsquery: str) -> bool:
    """The stored column's expression (Client.search_vector) against the narrowing, as the
    client query casts it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_tsvector('simple'::regconfig, %s || ' ' || %s || ' ' || %s)"
            " @@ lower(%s)::tsquery",
            [first, last, company, tsquery],
        )
        return cursor.fetchone()[0]


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=names,
    last=names,
    company=names,
    field=st.sampled_from(["first", "last", "full", "company"]),
    length=st.integers(min_value=1, max_value=30),
)
@example(first="olivia.smith10x", last="", company="", field="first", length=14)
@example(first="-5 abc", last="", company="", field="first", length=4)
@example(first="", last="", company="x/y.z Ltd", field="company", length=5)
@example(first="Ab-cd", last="Éé", company="", field="full", length=7)
@example(first="", last="", company="a.b@c.io", field="company", length=6)
def test_the_narrowing_keeps_every_name_that_starts_with_the_term(
    first, last, company, field, length
):
    target = {"first": first, "last": last, "full": f"{first} {last}", "company": company}[field]
    term = target[:length].strip()  # the API strips what it is sent
    if not term or not target.lower().startswith(term.lower()):
        return
    tsquery = start_of_field_tsquery(term)
    if tsquery is not None:
        assert vector_matches(first, last, company, tsquery), (target, term, tsquery)


def test_the_narrowing_is_bounded_for_a_long_punctuated_term():
    term = "a." * 100
    tsquery = start_of_field_tsquery(term)
    assert tsquery.count(":*") <= START_NARROWING_MAX_PREFIXES + 1
    assert vector_matches(term, "", "", tsquery)
    assert start_of_field_tsquery("%-.") is None
