"""ISO 3166-1 countries and ISO 4217 currencies, as Django choices (data from pycountry)."""

import pycountry
from django.utils.choices import BaseChoiceIterator

COUNTRY_CHOICES = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])
CURRENCY_CHOICES = sorted(
    ((c.alpha_3, f"{c.alpha_3} — {c.name}") for c in pycountry.currencies), key=lambda c: c[0]
)
COUNTRY_CODES = frozenset(code for code, _ in COUNTRY_CHOICES)
CURRENCY_CODES = frozenset(code for code, _ in CURRENCY_CHOICES)
COUNTRY_NAMES = dict(COUNTRY_CHOICES)


class NormalizedChoices(BaseChoiceIterator):
    """A choices list already in Django's (value, label) form, passed on as it is.

    Django normalizes a list it is given (a call per pair) each time a model field's callable
    choices are read: forms, the list filters and the Profile's selects read the countries and
    currencies several times a page, ~1 ms of it. A ``BaseChoiceIterator`` is taken as already
    normalized."""

    def __init__(self, choices: list[tuple[str, str]]):
        self.choices = choices

    def __iter__(self):
        return iter(self.choices)


_COUNTRIES = NormalizedChoices(COUNTRY_CHOICES)
_CURRENCIES = NormalizedChoices(CURRENCY_CHOICES)


# Model fields take these callables rather than the lists, so migrations record a reference to
# them instead of a copy of ~200 (code, name) pairs in every migration that touches the field.
def country_choices() -> NormalizedChoices:
    return _COUNTRIES


def currency_choices() -> NormalizedChoices:
    return _CURRENCIES
