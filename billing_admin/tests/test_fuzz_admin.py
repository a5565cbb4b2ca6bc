"""Property-based fuzzing of every admin form, found rather than listed: the test walks the URL
resolver, opens each admin page (or the page that holds a button posting to it), reads the forms
out of the HTML and posts them back with one or two fields spoiled by generated values (huge
numbers, long unicode, NUL and other control characters, XML-illegal characters, repeated values
and malformed PHP-style array keys such as ``field[]`` and ``field[x][y]``). A form added later
is fuzzed without anyone listing it; a page that shows no form must say why in NO_FORM.

Whatever comes in, the answer is never a 5xx. Only a redirect that reports no error, or a
download, may write: a re-shown form, an error page, a 4xx or a redirect carrying an error
message leaves every table of the project exactly as it was.

test_hostile_input checks, for the forms it lists, what an accepted post stored; this file checks
that every form refuses cleanly.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.messages import ERROR, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing_admin.tests.test_csrf_and_get_safety import every_kind_of_row  # noqa: F401
from billing_admin.tests.test_hostile_input import NASTY
from clients.models import ClientImport
from clients.services import client_send_welcome_email, contact_create
from clients.tests.factories import ClientFactory
from customfields.models import FieldType
from customfields.services import custom_field_create
from invoices.services import invoice_apply_credit
from merges.services import client_merge
from privacy.services import client_export_record
from transactions.services import transaction_update

pytestmark = pytest.mark.django_db

# ---- which pages hold the forms ----------------------------------------------------------------

# Views that take a POST from a button on another page: where that button is.
FORM_PAGES = {
    "invoices_invoice_apply_credit": "invoices_invoice_change",
    "invoices_invoice_remove_credit": "invoices_invoice_change",
    "invoices_invoice_add_payment": "invoices_invoice_change",
    "invoices_invoice_cancel": "invoices_invoice_change",
    "invoices_invoice_generate_due": "invoices_invoice_changelist",
    "clients_client_statement_email": "clients_client_statement",
    "clients_client_send_welcome_email": "clients_client_change",
    "clients_contact_make_billing": "clients_client_summary",
}
# Pages that show no form of their own, each with the reason.
NO_FORM = {
    "clients_client_statement_pdf": "a download; its range comes from the statement page's form",
    "clients_client_statement_csv": "a download; its range comes from the statement page's form",
    "clients_client_import_rejects": "a download of a finished import's rejected rows",
    "app_list": "the admin's index of one app: links only",
    "clients_client_credits": "the credit log; Add and Remove Credit are pages of their own",
    "clients_client_summary": "buttons only, each posting to a view fuzzed on its own",
    "invoices_invoice_change": "the invoice page: its forms post to Apply/Remove Credit, Add "
    "Payment and Cancel, each fuzzed on its own",
}
# Django's and third-party apps' own pages: no billing data behind them.
OTHER_APPS = ("auth", "axes", "django_tasks_database")
# Route suffixes left out: the history page is read-only, and the stock delete confirmation
# takes nothing but "post=yes" (test_hostile_input puts hostile ids in its URL).
LEFT_OUT_SUFFIXES = ("_history", "_delete")
# Django's own site pages (password change is auth's form).
SITE_PAGES = {
    "index",
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "autocomplete",
    "jsi18n",
    "view_on_site",
}


def admin_resolver() -> URLResolver:
    return next(e for e in get_resolver().url_patterns if getattr(e, "namespace", None) == "admin")


def admin_route_names() -> list[str]:
    """The name of every admin URL of the project's apps, from the resolver."""
    names = set()

    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(entry.name)

    walk(admin_resolver().url_patterns)
    return sorted(
        name
        for name in names
        if name not in SITE_PAGES
        and not name.startswith(tuple(f"{app}_" for app in OTHER_APPS))
        and not name.endswith(LEFT_OUT_SUFFIXES)
    )


ROUTES = admin_route_names()
FUZZED_ROUTES = [name for name in ROUTES if name not in NO_FORM]


# ---- the data the pages need -------------------------------------------------------------------

CSV_HEADER = "firstname,lastname,email,country"


@pytest.fixture
def site(every_kind_of_row, admin_user, admin_client):  # noqa: F811 (the imported fixture)
    """Every kind of row, plus one for each page that needs its own: a second client to merge
    into, a contact that is not the billing contact, a custom field of each type (shown on the
    Profile and Add New Client), credit on the invoice (so it offers Remove Credit), a queued
    email to retry or resend, an edited transaction, a merge, a data export, and an uploaded
    import awaiting confirmation."""
    world = every_kind_of_row
    world.other = ClientFactory(currency="USD")
    client_merge(source_id=ClientFactory(currency="USD").pk, target_id=world.other.pk, actor=None)
    world.contact = contact_create(
        client_id=world.client.pk,
        actor=None,
        first_name="Bill",
        last_name="Payer",
        email="bill.payer@example.com",
    )
    for position, field_type in enumerate(FieldType.values):
        custom_field_create(
            actor=admin_user,
            name=f"Field {field_type}",
            field_type=field_type,
            options="Red,Green" if field_type == FieldType.DROPDOWN else "",
            sort_order=position,
        )
    invoice_apply_credit(invoice_id=world.invoice.pk, amount="5.00", actor=None)
    world.email = client_send_welcome_email(client_id=world.client.pk, actor=None)
    transaction_update(transaction_pk=world.txn.pk, actor=None, description="Edited")
    client_export_record(client_id=world.client.pk, actor=admin_user, reason="Subject request")
    upload = SimpleUploadedFile(
        "clients.csv", f"{CSV_HEADER}\nNew,Person,new.person@example.com,GB\n".encode()
    )
    response = admin_client.post(reverse("admin:clients_client_import"), {"file": upload})
    assert response.status_code == 302, response.content[-2000:]
    world.upload = ClientImport.objects.latest("pk")
    return world


def page_url(name: str, world) -> str:
    """A concrete URL of the admin page ``name``, on the world's own rows."""
    route = resolve_route(name)
    kwargs = {}
    if "object_id" in route:
        kwargs["object_id"] = object_for(name, world)
    if "import_id" in route:
        kwargs["import_id"] = world.upload.pk
    if "status" in route:
        kwargs["status"] = "inactive"
    url = reverse(f"admin:{name}", kwargs=kwargs)
    query = {
        "clients_client_merge": f"?target={world.other.pk}",
        "clients_client_bulk_status": f"?ids={world.client.pk}",
    }.get(name, "")
    return url + query


def resolve_route(name: str) -> str:
    """The regex of the admin route ``name``."""
    for candidates in admin_resolver().reverse_dict.getlist(name):
        return candidates[1]
    raise LookupError(name)


def object_for(name: str, world) -> int:
    """The pk a page about one object is opened on: the world's own where it has one."""
    own = {
        "clients_client": world.client.pk,
        "clients_contact": world.contact.pk,
        "invoices_invoice": world.invoice.pk,
        "transactions_transaction": world.txn.pk,
        "clients_clientnote": world.note.pk,
        "clients_emaillog": world.email.pk,
    }
    for prefix, pk in own.items():
        if name.startswith(prefix + "_"):
            return pk
    app_label, model_name = name.split("_")[0], name.split("_")[1]
    model = apps.get_model(app_label, model_name)
    pk = model.objects.order_by("pk").values_list("pk", flat=True).first()
    return 0 if pk is None else pk


# ---- reading forms out of a page ---------------------------------------------------------------


@dataclass
class Field:
    kind: str
    values: list[str] = field(default_factory=list)  # what a browser posts unchanged
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, Field] = field(default_factory=dict)
    submit: tuple[str, str] | None = None


class FormReader(HTMLParser):
    """The forms of a page as a browser would submit them, each field with its choices."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: tuple[str, Field, bool] | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.form = Form(attrs.get("method", "get").lower(), attrs.get("action") or "")
            self.forms.append(self.form)
            return
        name = attrs.get("name")
        if self.form is None:
            return
        if tag == "input" and name:
            self._input(name, attrs)
        elif tag == "button" and name and self.form.submit is None:
            self.form.submit = (name, attrs.get("value", ""))
        elif tag == "select" and name:
            entry = self.form.fields.setdefault(name, Field("select"))
            self.select = (name, entry, "multiple" in attrs)
        elif tag == "option" and self.select is not None:
            _, entry, multiple = self.select
            value = attrs.get("value", "")
            entry.options.append(value)
            if "selected" in attrs and (multiple or not entry.values):
                entry.values.append(value)
        elif tag == "textarea" and name:
            self.form.fields[name] = Field("textarea", [""])
            self.textarea = name

    def _input(self, name, attrs):
        kind = attrs.get("type", "text").lower()
        value = attrs.get("value", "")
        if kind in ("submit", "image", "reset", "button"):
            if self.form.submit is None and kind == "submit":
                self.form.submit = (name, value)
            return
        entry = self.form.fields.setdefault(name, Field(kind))
        if kind in ("checkbox", "radio"):
            entry.options.append(value or "on")
            # The list's row boxes are ticked: an action then has rows to act on.
            if "checked" in attrs or name == "_selected_action":
                entry.values.append(value or "on")
        elif kind != "file":
            entry.values.append(value)

    def handle_data(self, data):
        if self.textarea is not None and self.form is not None:
            self.form.fields[self.textarea].values[-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select is not None:
            name, entry, _ = self.select
            if not entry.values and entry.options:
                entry.values.append(entry.options[0])
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_posting_to(name: str, page: str, html: str) -> list[tuple[str, Form]]:
    """The forms of ``html`` (the page at ``page``) whose submission reaches the view ``name``,
    each with the URL it submits to."""
    reader = FormReader()
    reader.feed(html)
    found = []
    for form in reader.forms:
        target = urljoin(page, form.action) if form.action else page
        match = resolve(urlsplit(target).path)
        if match.url_name == name and (form.method == "post" or form.fields):
            found.append((target, form))
    return found


# ---- generated values --------------------------------------------------------------------------

CONTROL = "".join(chr(code) for code in range(0, 32)) + "\ufffe\uffff\u2028\u2029\x7f"
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=CONTROL + "0123456789.-,:/ ", max_size=40),
    st.text(min_size=200, max_size=2000),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.just("9" * 5000),
    st.just("-" + "9" * 5000 + ".5"),
    st.just("Ωmega ünïcödé 中文 🙂 " * 400),
)
MALFORMED_KEYS = ["{}[]", "{}[x][y]", "{}[0]", "{}[" + "9" * 5000 + "]"]


def spoil(data, form: Form, is_csv_upload: bool):
    """A strategy for one spoiled field: a name (the form's own, or a malformed array spelling of
    it) and what goes in it (a hostile value, one of the field's own choices, or several)."""
    names = sorted(form.fields)

    def values_for(name: str):
        entry = form.fields.get(name)
        own = st.sampled_from(entry.options) if entry and entry.options else st.nothing()
        single = st.one_of(TEXT, own)
        if entry is not None and entry.kind == "file":
            rows = TEXT.map(
                lambda value: f"{CSV_HEADER}\nAda,Lovelace,{value},GB\n" if is_csv_upload else value
            )
            return rows.map(
                lambda text: SimpleUploadedFile(
                    "clients.csv", text.encode("utf-8", "replace"), "text/csv"
                )
            )
        return st.one_of(single, st.lists(single, min_size=2, max_size=3))

    key = data.draw(
        st.one_of(
            st.sampled_from(names) if names else st.nothing(),
            st.tuples(st.sampled_from(names or ["q"]), st.sampled_from(MALFORMED_KEYS)).map(
                lambda pair: pair[1].format(pair[0])
            ),
        ),
        label="field",
    )
    return key, data.draw(values_for(key), label="value")


FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# ---- the state a refused post must leave alone -------------------------------------------------


def _project_models():
    base = Path(django_settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if base in path.parents and ".venv" not in path.parts:
            yield from config.get_models()


def database_state() -> dict:
    """Every row of every model of the project's own apps (the test database is small)."""
    return {
        model._meta.label: list(
            model.objects.order_by("pk").values_list(
                *(f.attname for f in model._meta.concrete_fields)
            )
        )
        for model in _project_models()
    }


def is_refusal(response) -> bool:
    """Whether the answer says the post was refused (so nothing may have been written)."""
    if response.status_code >= 400:
        return True
    if response.status_code in (301, 302, 303):
        return any(message.level >= ERROR for message in get_messages(response.wsgi_request))
    if response.get("Content-Disposition", "").startswith("attachment"):
        return False
    # A page rendered in answer to a post is a refusal, a preview or a confirmation: the
    # admin redirects after every post that writes.
    return True


# A refused import is recorded on its upload (status and report), so staff see why.
RECORDED_REFUSALS = {"clients_client_import_confirm": {"clients.ClientImport"}}


def assert_no_write_on_refusal(name, response, before):
    if not is_refusal(response):
        return
    after = database_state()
    changed = {label for label in after if after[label] != before[label]}
    assert changed <= RECORDED_REFUSALS.get(name, set()), (name, response.status_code, changed)


# ---- the tests ---------------------------------------------------------------------------------


def test_the_walk_finds_the_admin_forms():
    for name in (
        "clients_client_add",
        "clients_client_change",
        "clients_contact_change",
        "clients_clientnote_change",
        "customfields_customfield_add",
        "clients_client_statement",
        "clients_client_statement_email",
        "clients_client_merge",
        "clients_client_import",
        "clients_client_import_confirm",
        "clients_client_export",
        "clients_client_anonymise",
        "clients_client_export_data",
        "invoices_invoice_generate_due",
        "transactions_transaction_add",
        "clients_emaillog_changelist",
    ):
        assert name in FUZZED_ROUTES, name
    assert set(NO_FORM) <= set(ROUTES)
    assert set(FORM_PAGES) | set(FORM_PAGES.values()) <= set(ROUTES)


@pytest.mark.parametrize("name", FUZZED_ROUTES)
def test_every_admin_form_refuses_hostile_input_cleanly(admin_client, site, name):
    source = FORM_PAGES.get(name, name)
    source_url = page_url(source, site)
    page = admin_client.get(source_url)
    if page.status_code == 403 and name.endswith(("_add", "_change")):
        # A model page the admin offers no one (an audit log's add page, say): a post must be
        # refused the same way. Any other page refusing a superuser is a failure below.
        before = database_state()
        response = admin_client.post(page_url(name, site), {"x[]": "\x00", "y[a][b]": "9" * 5000})
        assert response.status_code == 403
        assert database_state() == before
        return
    assert page.status_code == 200, (source_url, page.status_code)
    forms = forms_posting_to(name, source_url, page.content.decode())
    assert forms, f"no form posts to {name} on {source_url}: list it in FORM_PAGES or NO_FORM"

    @FUZZ
    @given(data=st.data())
    def fuzz(data):
        url, form = data.draw(st.sampled_from(forms), label="form")
        posted = {key: list(entry.values) for key, entry in form.fields.items() if entry.values}
        if form.submit:
            posted[form.submit[0]] = [form.submit[1]]
        for _ in range(data.draw(st.integers(1, 2), label="spoiled fields")):
            key, value = spoil(data, form, is_csv_upload=name == "clients_client_import")
            posted[key] = value
        before = database_state()

        if form.method == "post":
            response = admin_client.post(url, posted)
        else:
            query = {**dict(parse_qsl(urlsplit(url).query)), **posted}
            response = admin_client.get(urlsplit(url).path, _strip_files(query))

        assert response.status_code < 500, (name, response.status_code)
        if form.method == "get":
            # A NUL in a query string is a bad request (see the middleware); a GET writes nothing.
            assert database_state() == before
        else:
            assert_no_write_on_refusal(name, response, before)

    fuzz()


def _strip_files(query: dict) -> dict:
    return {key: value for key, value in query.items() if not hasattr(value, "read")}
