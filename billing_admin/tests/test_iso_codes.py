"""The country and currency choices: every ISO code, handed to Django as already normalized."""

from django import forms
from django.utils.choices import normalize_choices

from billing_admin.iso_codes import COUNTRY_CHOICES, CURRENCY_CHOICES
from clients.models import Client


def test_the_model_fields_offer_every_country_and_currency():
    assert list(Client._meta.get_field("country").choices) == COUNTRY_CHOICES
    assert list(Client._meta.get_field("currency").choices) == CURRENCY_CHOICES
    assert ("GB", "United Kingdom") in COUNTRY_CHOICES
    assert ("EUR", "EUR — Euro") in CURRENCY_CHOICES


def test_django_takes_the_lists_as_they_are_instead_of_normalizing_them_on_each_read():
    choices = Client._meta.get_field("country").choices
    read = choices.func()  # what each read of the field's callable choices gets

    assert normalize_choices(read) is read


def test_a_form_field_built_from_the_model_field_selects_by_code():
    field = Client._meta.get_field("country").formfield()

    assert isinstance(field, forms.TypedChoiceField)
    assert field.clean("DE") == "DE"
    assert ("DE", "Germany") in field.choices
