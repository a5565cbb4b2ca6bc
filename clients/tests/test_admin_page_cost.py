"""The client pages' cheaper rendering draws what Django's own rendering draws.

Each shortcut is compared with the Django code it replaces, on awkward input: markup and quotes
in names, other filters and a search in the list's address, a selected value.
"""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.filters import ChoicesFieldListFilter
from django.contrib.admin.templatetags.admin_list import results
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils.safestring import mark_safe

from clients.admin_filters import DropdownChoicesFilter
from clients.models import Client
from clients.services import EMAIL_TAKEN, client_send_welcome_email, email_in_use
from clients.templatetags.dropdown_filter import dropdown_options
from clients.templatetags.list_rows import quick_results
from clients.tests.admin_forms import profile_post_data
from clients.tests.factories import ClientFactory, ClientGroupFactory
from credits.models import CreditEntry
from credits.services import add_credit
from customfields.services import client_set_custom_field_values
from customfields.tests.factories import CustomFieldFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:clients_client_changelist")


def client_admin():
    return admin.site._registry[Client]


def test_row_checkbox_is_the_html_django_writes():
    client = ClientFactory(first_name='<b>"Ann"', last_name="O'Neil & Co", company_name="a<b>")
    model_admin = client_admin()

    ours = model_admin.action_checkbox(client)

    assert ours == admin.ModelAdmin.action_checkbox(model_admin, client)
    assert 'name="_selected_action"' in ours and "&lt;b&gt;" in ours


def changelist(rf, admin_user, params):
    request = rf.get(LIST_URL, params)
    request.user = admin_user
    return client_admin().get_changelist_instance(request)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "ada & <co>", "status__exact": "Active"},
        {"country__exact": "DE", "currency__exact": "EUR", "o": "2", "p": "3"},
        {"country__isnull": "True", "city__startswith": ["a", "b"], "status__exact": "Active"},
        {"country__exact": ["DE", "GB"], "email__startswith": "é ü"},
    ],
)
def test_drop_down_filters_offer_the_links_django_offers(rf, admin_user, params):
    cl = changelist(rf, admin_user, params)
    specs = [spec for spec in cl.filter_specs if isinstance(spec, DropdownChoicesFilter)]
    assert [spec.field_path for spec in specs] == ["country", "currency"]

    for spec in specs:
        ours = list(spec.choices(cl))
        assert ours == list(ChoicesFieldListFilter.choices(spec, cl))
        assert len(ours) > 100


def test_drop_down_options_are_what_the_template_loop_wrote():
    choices = [
        {"selected": True, "query_string": "?country__exact=DE&q=a%26b", "display": "All"},
        {"selected": False, "query_string": "?q=é<x>&a=1", "display": 'Côte "d<Ivoire>"'},
    ]
    loop = engines["django"].from_string(
        "{% for choice in choices %}"
        '<option value="{{ choice.query_string|iriencode }}"'
        "{% if choice.selected %} selected{% endif %}>{{ choice.display }}</option>"
        "{% if not forloop.last %}\n{% endif %}{% endfor %}"
    )

    assert dropdown_options(choices) == loop.render({"choices": choices})


def test_drop_down_options_written_once_are_not_reused_for_safe_text():
    # Options are cached by their strings: equal text marked safe is written unescaped.
    plain = {"selected": False, "query_string": "?country__exact=X", "display": "A & B"}
    safe = {**plain, "display": mark_safe("A & B")}

    assert dropdown_options([plain]) == dropdown_options([plain])
    assert dropdown_options([plain]) == '<option value="?country__exact=X">A &amp; B</option>'
    assert dropdown_options([safe]) == '<option value="?country__exact=X">A & B</option>'
    assert dropdown_options([{**plain, "selected": True}]).startswith(
        '<option value="?country__exact=X" selected>'
    )


def test_list_page_shows_the_drop_downs_with_the_selected_country(admin_client):
    ClientFactory(country="DE")

    content = admin_client.get(LIST_URL, {"country__exact": "DE", "q": "a"}).content.decode()

    assert '<option value="?country__exact=DE&amp;q=a" selected>Germany</option>' in content
    assert '<option value="?q=a">All</option>' in content


def rows(model, rf, user, params):
    """Each row's cells, as Django's ``results`` and as ``quick_results`` write them."""
    path = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    request = rf.get(path, params)
    request.user = user
    request.resolver_match = resolve(path)  # the list's filters are kept in its row links
    cl = admin.site._registry[model].get_changelist_instance(request)
    cl.formset = None  # as changelist_view sets it for a list without list_editable
    assert cl.result_list
    return [list(row) for row in results(cl)], [list(row) for row in quick_results(cl)]


@pytest.mark.parametrize("params", [{}, {"q": "a"}, {"status__exact": "Active", "o": "-2"}])
def test_list_rows_are_the_cells_django_writes(rf, admin_user, params):
    grouped = ClientGroupFactory(name="VIP <gold>", colour="#ff0000")
    ClientFactory(first_name="Ann & <b>", last_name="Able", company_name="", group=grouped)
    client = ClientFactory(first_name="Bob", last_name='"Baker"', company_name="Baker & Sons")
    add_credit(client_id=client.pk, amount=Decimal("12.50"), description="Goodwill", actor=None)
    # A column of the admin's own (a callable, not a field nor an admin method).
    vat = CustomFieldFactory(name="VAT <id>", show_in_list=True)
    client_set_custom_field_values(client_id=client.pk, values={vat.pk: "GB1 & 2"}, actor=None)

    django_rows, our_rows = rows(Client, rf, admin_user, params)

    assert our_rows == django_rows
    assert any('href="' in cell and "_changelist_filters" in cell for cell in our_rows[0]) == (
        params != {}
    )


def test_credit_log_rows_are_the_cells_django_writes(rf, admin_user):
    # Dates, amounts, an empty foreign key and a linked first column, on another list.
    client = ClientFactory()
    add_credit(client_id=client.pk, amount=Decimal("5.00"), description="<i>x</i>", actor=None)

    django_rows, our_rows = rows(CreditEntry, rf, admin_user, {"q": str(client.pk)})

    assert our_rows == django_rows


def test_profile_email_check_reads_the_unique_email_index(admin_client):
    # lower(email) is the unique index's expression; email__iexact (UPPER) scanned the table.
    ClientFactory(email="taken@example.com")
    client = ClientFactory()
    data = profile_post_data(admin_client, client, email="Taken@Example.com")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(reverse("admin:clients_client_change", args=[client.pk]), data)

    assert response.context["adminform"].form.errors == {"email": [EMAIL_TAKEN]}
    conditions = [q["sql"].partition(" WHERE ")[2] for q in queries]
    checks = [where for where in conditions if '"clients_client"."email"' in where]
    assert checks and all('LOWER("clients_client"."email") =' in where for where in checks)
    assert not any('UPPER("clients_client"."email"' in q["sql"] for q in queries)
    assert email_in_use(" TAKEN@example.COM ") and not email_in_use("free@example.com")


@pytest.mark.parametrize("page", ["summary", "change"])
def test_email_lists_read_no_message_bodies(admin_client, page):
    client = ClientFactory()
    client_send_welcome_email(client_id=client.pk, actor=None)

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(reverse(f"admin:clients_client_{page}", args=[client.pk]))

    assert 'id="email-log"' in response.content.decode()
    email_queries = [q["sql"] for q in queries if q["sql"].startswith('SELECT "clients_emaillog"')]
    assert len(email_queries) == 1
    assert '"body_text"' not in email_queries[0] and '"body_html"' not in email_queries[0]


@pytest.mark.parametrize("method", ["get", "post"])
def test_profile_reads_the_client_once(admin_client, method):
    client = ClientFactory()
    url = reverse("admin:clients_client_change", args=[client.pk])
    data = profile_post_data(admin_client, client, first_name="Augusta")

    with CaptureQueriesContext(connection) as queries:
        if method == "get":
            response = admin_client.get(url)
        else:
            response = admin_client.post(url, data)

    assert response.status_code == (200 if method == "get" else 302)
    reads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "clients_client"."id", "clients_client"."first_name"')
        and q["sql"].endswith(f'WHERE "clients_client"."id" = {client.pk} LIMIT 21')
    ]
    assert len(reads) == 1  # the service's locked read (FOR UPDATE) comes on top on a save
    if method == "post":
        client.refresh_from_db()
        assert client.first_name == "Augusta"


def test_profile_save_asks_the_database_no_constraint_questions(admin_client):
    # The form's fields and checks cover the constraints; Django's validation asked the
    # database about each of them (status, balance, credit policy, email) once more.
    client = ClientFactory(email="ada@example.com")
    url = reverse("admin:clients_client_change", args=[client.pk])
    data = profile_post_data(admin_client, client, status="Inactive", credit_policy="never")

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(url, data)

    assert response.status_code == 302
    assert not [q["sql"] for q in queries if '"_check"' in q["sql"]]
    # The form's (an error on the field) and the service's, under the client's lock.
    email_checks = [q["sql"] for q in queries if 'LOWER("clients_client"."email") =' in q["sql"]]
    assert len(email_checks) == 2
    client.refresh_from_db()
    assert (client.status, client.credit_policy) == ("Inactive", "never")


@pytest.mark.parametrize(
    "field, value",
    [("status", "Bogus"), ("credit_policy", "sometimes"), ("credit_balance", "-1.00")],
)
def test_profile_refuses_what_the_constraints_refuse_as_field_errors(admin_client, field, value):
    client = ClientFactory()
    url = reverse("admin:clients_client_change", args=[client.pk])

    response = admin_client.post(url, profile_post_data(admin_client, client, **{field: value}))

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == [field]
