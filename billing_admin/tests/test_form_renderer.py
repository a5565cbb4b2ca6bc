"""billing_admin.form_renderer writes what Django's form templates write, byte for byte."""

import re
from datetime import date

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from billing_admin.form_renderer import FormRenderer
from billing_admin.iso_codes import country_choices, currency_choices
from clients.tests.factories import ClientFactory

CHOICES = [
    ("", "---------"),
    ("a&b", 'Quotes " and <tags>'),
    (1, 2),
    ("lazy", gettext_lazy("Yes")),
    ("safe", mark_safe("<b>bold</b>")),
    ("Group <1>", [("g1", "First"), ("g2", "Second")]),
    (None, "None as a value"),
]


class EveryKindForm(forms.Form):
    text = forms.CharField(label='Name <&> "quoted"', help_text="help", max_length=5)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    number = forms.DecimalField(min_value=0, decimal_places=2)
    email = forms.EmailField(required=False)
    url = forms.URLField(
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"data-x": mark_safe("<ok>")}),
    )
    ticked = forms.BooleanField(required=False, label=mark_safe("<i>safe</i> label"))
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"class": 'a "b"'}))
    password = forms.CharField(widget=forms.PasswordInput, required=False)
    choice = forms.ChoiceField(choices=CHOICES, required=False)
    several = forms.MultipleChoiceField(choices=CHOICES, required=False)
    country = forms.ChoiceField(choices=country_choices())
    currency = forms.ChoiceField(choices=currency_choices(), disabled=True)
    notes = forms.CharField(widget=forms.Textarea, required=False)
    radio = forms.ChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)


def rendered(form_class, renderer, **kwargs) -> str:
    form = form_class(renderer=renderer, **kwargs)
    parts = [form.render()]
    for field in form:
        parts += [str(field), field.label_tag(), field.legend_tag(), str(field.errors)]
        parts.append(field.as_widget(attrs={"aria-describedby": "x", "required": False}))
    return "\n".join(parts)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"initial": {"text": "<b>", "day": date(2026, 12, 5), "choice": "g2", "ticked": True}},
        {"data": {"text": "too long <x>", "number": "-1", "email": "no", "several": ["a&b", "1"]}},
        {
            "data": {
                "text": "ok",
                "number": "1.50",
                "country": "GB",
                "day": "2026-12-05",
                "ticked": "on",
                "radio": "b",
            }
        },
        {"auto_id": False, "data": {"text": "ok"}},
        {"prefix": "p<1>", "label_suffix": " &"},
    ],
)
def test_forms_render_as_with_djangos_renderer(kwargs):
    assert rendered(EveryKindForm, FormRenderer(), **kwargs) == rendered(
        EveryKindForm, DjangoTemplates(), **kwargs
    )


def test_the_project_renders_forms_with_it():
    assert isinstance(get_default_renderer(), FormRenderer)


# What differs between two renders of the same page: the CSRF token, a form's one-time key.
PER_RENDER = re.compile(r'name="(csrfmiddlewaretoken|request_key)" value="[^"]+"')


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["change", "add", "credit"])
def test_admin_pages_are_the_same_with_djangos_renderer(admin_client, monkeypatch, page):
    client = ClientFactory(first_name="<Ann>", company_name='A & "B"')
    url = {
        "change": reverse("admin:clients_client_change", args=[client.pk]),
        "add": reverse("admin:clients_client_add"),
        "credit": reverse("admin:clients_client_add_credit", args=[client.pk]),
    }[page]

    def page_with(renderer):
        monkeypatch.setattr("django.forms.renderers.get_default_renderer", lambda: renderer)
        monkeypatch.setattr("django.forms.forms.get_default_renderer", lambda: renderer)
        monkeypatch.setattr("django.forms.widgets.get_default_renderer", lambda: renderer)
        monkeypatch.setattr("django.forms.utils.get_default_renderer", lambda: renderer)
        return PER_RENDER.sub("", admin_client.get(url).content.decode())

    ours = page_with(FormRenderer())
    assert ours == page_with(DjangoTemplates())
    assert "<label" in ours and "<input" in ours


def test_an_option_written_once_is_written_again_selected_or_not():
    # The renderer keeps the HTML of unselected options: the same option selected, then not,
    # then selected again must each come out as Django writes it.
    for country in ["GB", "FR", "GB"]:
        kwargs = {"data": {"text": "ok", "number": "1", "country": country}}
        assert rendered(EveryKindForm, FormRenderer(), **kwargs) == rendered(
            EveryKindForm, DjangoTemplates(), **kwargs
        )
