"""ISO 3166-1 countries and ISO 4217 currencies, as Django choices (data from pycountry)."""

import pycountry

COUNTRY_CHOICES = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])
CURRENCY_CHOICES = sorted(
    ((c.alpha_3, f"{c.alpha_3} — {c.name}") for c in pycountry.currencies), key=lambda c: c[0]
)
COUNTRY_CODES = frozenset(code for code, _ in COUNTRY_CHOICES)
CURRENCY_CODES = frozenset(code for code, _ in CURRENCY_CHOICES)
COUNTRY_NAMES = dict(COUNTRY_CHOICES)


# Model fields take these callables rather than the lists, so migrations record a reference to
# them instead of a copy of ~200 (code, name) pairs in every migration that touches the field.
def country_choices() -> list[tuple[str, str]]:
    return COUNTRY_CHOICES


def currency_choices() -> list[tuple[str, str]]:
    return CURRENCY_CHOICES
