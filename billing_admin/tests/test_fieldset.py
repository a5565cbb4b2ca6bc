"""``{% admin_fieldset %}`` (billing_admin/fieldset.py) writes what Django's
admin/includes/fieldset.html writes, byte for byte, on the add and change pages that use it."""

import re
from pathlib import Path

import django.contrib.admin
import pytest
from django.template import Template
from django.urls import reverse

from billing_admin import fieldset
from clients.services import contact_create
from clients.tests.factories import ClientFactory, client_profile_data
from conftest import SUPPORT_STAFF

pytestmark = pytest.mark.django_db

DJANGO_FIELDSET = Path(django.contrib.admin.__file__).parent / "templates/admin/includes"
# What differs between two renders of the same page: the CSRF token, a form's one-time key.
PER_RENDER = re.compile(r'name="(csrfmiddlewaretoken|request_key)" value="[^"]+"')


def page_both_ways(http, monkeypatch, url: str, data: dict | None = None) -> tuple[str, str]:
    """The page with our tag, then with Django's template rendered in its place."""

    def get():
        response = http.post(url, data) if data is not None else http.get(url)
        assert response.status_code == 200, response.status_code
        return PER_RENDER.sub("", response.content.decode())

    ours = get()
    djangos = Template((DJANGO_FIELDSET / "fieldset.html").read_text())
    monkeypatch.setattr(fieldset, "fieldset_html", lambda context: djangos.render(context))
    return ours, get()


@pytest.fixture
def client_with_contact():
    client = ClientFactory(first_name="<Ann>", company_name='A & "B"')
    contact = contact_create(
        client_id=client.pk, actor=None, first_name="Bo", last_name="Contact", email="b@x.io"
    )
    return client, contact


@pytest.mark.parametrize(
    "page",
    [
        "profile",
        "profile-errors",
        "add",
        "add-errors",
        "contact",
        "contact-errors",
        "custom-field",
        "api-credential",
    ],
)
def test_admin_pages_are_the_same_with_djangos_template(
    admin_client, monkeypatch, client_with_contact, page
):
    client, contact = client_with_contact
    profile = reverse("admin:clients_client_change", args=[client.pk])
    add = reverse("admin:clients_client_add")
    contact_page = reverse("admin:clients_contact_change", args=[contact.pk])
    url, data = {
        "profile": (profile, None),
        "profile-errors": (profile, client_profile_data(email="not an email", country="")),
        "add": (add, None),
        "add-errors": (add, client_profile_data(first_name="", send_welcome_email="on")),
        "contact": (contact_page, None),
        "contact-errors": (contact_page, {"client": client.pk, "email": "x"}),
        "custom-field": (reverse("admin:customfields_customfield_add"), None),
        "api-credential": (reverse("admin:api_apicredential_add"), None),
    }[page]

    ours, djangos = page_both_ways(admin_client, monkeypatch, url, data)

    assert ours == djangos
    assert '<fieldset class="module aligned' in ours
    if page.endswith("errors"):
        assert 'class="errorlist' in ours


def test_read_only_fields_are_the_same_with_djangos_template(
    client, monkeypatch, staff_in_group, client_with_contact
):
    # Support staff see some of the Profile's fields read-only.
    client.force_login(staff_in_group(SUPPORT_STAFF))
    profile = reverse("admin:clients_client_change", args=[client_with_contact[0].pk])

    ours, djangos = page_both_ways(client, monkeypatch, profile)

    assert ours == djangos
    assert '<div class="readonly">' in ours
