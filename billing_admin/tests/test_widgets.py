"""billing_admin.widgets writes the HTML Django's form templates write, byte for byte."""

import pytest
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from billing_admin.iso_codes import country_choices, currency_choices
from billing_admin.widgets import PlainSelect

CHOICES = [
    ("", "---------"),
    ("a&b", 'Quotes " and <tags>'),
    (1, 2),
    ("lazy", gettext_lazy("Yes")),
    ("safe", mark_safe("<b>bold</b>")),
    ("Group <1>", [("g1", "First"), ("g2", "Second")]),
    (None, "None as a value"),
]


@pytest.mark.parametrize(
    ("choices", "value", "attrs"),
    [
        (CHOICES, "a&b", {"id": "id_x", "required": True, "disabled": False}),
        (CHOICES, "g2", {"class": 'a "b"', "data-x": mark_safe("<ok>")}),
        (CHOICES, None, None),
        (CHOICES, 1, {"id": "id_x"}),
        (country_choices(), "GB", {"id": "id_country"}),
        (currency_choices(), "EUR", {"id": "id_currency", "required": True}),
        ([], "", None),
    ],
)
def test_plain_select_renders_what_django_select_renders(choices, value, attrs):
    assert PlainSelect(choices=choices).render("name", value, attrs) == forms.Select(
        choices=choices
    ).render("name", value, attrs)


def test_plain_select_multiple_selected_and_widget_attrs():
    class Multiple(PlainSelect):
        allow_multiple_selected = True

    class StockMultiple(forms.Select):
        allow_multiple_selected = True

    attrs = {"class": "wide"}
    ours = Multiple(attrs, choices=CHOICES).render("n", ["a&b", "g1"], {"id": "i"})
    assert ours == StockMultiple(attrs, choices=CHOICES).render("n", ["a&b", "g1"], {"id": "i"})
    assert ours.count(" selected") == 2
