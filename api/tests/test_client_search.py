"""GetClients' search: WHMCS's start-of-field matching, each arm served by an index."""

import pytest
from django.db import connection

from api.selectors import clients_matching_start
from clients.models import Client
from clients.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def found(call, search) -> set[int]:
    return {row["id"] for row in call("GetClients", search=search)["clients"]["client"]}


def test_search_matches_the_start_of_each_field_case_insensitively(call):
    ada = ClientFactory(
        first_name="Ada", last_name="Lovelace", company_name="Analytical Engines", email="x1@a.io"
    )
    grace = ClientFactory(
        first_name="Grace", last_name="Hopper", company_name="Navy", email="amazing@b.io"
    )
    ClientFactory(first_name="Zed", last_name="Zed", company_name="Zed Co", email="z@z.io")

    assert found(call, "ADA") == {ada.pk}  # first name
    assert found(call, "hop") == {grace.pk}  # last name
    assert found(call, "ada love") == {ada.pk}  # "first last"
    assert found(call, "analytical eng") == {ada.pk}  # company
    assert found(call, "amazing@b") == {grace.pk}  # email
    assert found(call, "a") == {ada.pk, grace.pk}


def test_search_does_not_match_inside_a_field(call):
    ClientFactory(
        first_name="Ada", last_name="Lovelace", company_name="Big Engines", email="ada@x.io"
    )
    assert found(call, "engines") == set()  # a later word of the company
    assert found(call, "lovelace ada") == set()
    assert found(call, "x.io") == set()


def test_search_with_punctuation_and_like_wildcards(call):
    obrien = ClientFactory(first_name="Seán", last_name="O'Brien", company_name="", email="s@o.ie")
    percent = ClientFactory(
        first_name="Al", last_name="Pha", company_name="100% Ltd", email="p@p.io"
    )
    ClientFactory(first_name="Al", last_name="Pha", company_name="1000 Ltd", email="q@p.io")

    assert found(call, "o'bri") == {obrien.pk}
    assert found(call, "SEÁN O") == {obrien.pk}
    assert found(call, "100%") == {percent.pk}  # % is a character here, not a wildcard
    assert found(call, "%") == set()  # no letter or digit: the exact test alone


def test_every_arm_of_the_search_can_use_an_index():
    ClientFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        # Unordered: with a model ordering, the planner may walk the primary key backwards and
        # filter (whichever is cheaper on three rows), which says nothing about the arms.
        plan = clients_matching_start(Client.objects.order_by(), "ada lov").explain()
    assert "Seq Scan" not in plan
    for index in (
        "client_email_prefix_idx",
        "client_full_name_prefix_idx",
        "client_last_name_prefix_idx",
        "client_company_prefix_idx",
    ):
        assert index in plan
