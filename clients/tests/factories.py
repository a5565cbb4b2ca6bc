"""Factories for clients. They never set balances or history: tests build money state through
the real services (credits.services), so the ledger invariant holds in every test."""

import factory

from clients.models import Client, ClientGroup


class ClientGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClientGroup
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Group {n}")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    company_name = factory.Faker("company")
    email = factory.Sequence(lambda n: f"client{n}@example.com")
    phone_number = factory.Sequence(lambda n: f"+44.20{n:08d}")
    address1 = factory.Faker("street_address")
    city = factory.Faker("city")
    state = "Greater London"
    postcode = "EC1A 1BB"
    country = "GB"
    currency = "USD"


def client_profile_data(**overrides) -> dict:
    """Valid profile fields for client_create and for the admin's Add New Client form."""
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone_number": "+44.2012345678",
        "address1": "1 Engine Row",
        "city": "London",
        "state": "Greater London",
        "postcode": "EC1A 1BB",
        "country": "GB",
        "currency": "GBP",
        **overrides,
    }
