"""object_url() and day_text() give what reverse() and date_format() give."""

from datetime import UTC, date, datetime

import pytest
from django.template import engines
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation
from django.utils.formats import date_format

from billing_admin.dates import day_text
from billing_admin.object_urls import object_url


@pytest.mark.parametrize(
    "viewname",
    [
        "admin:clients_client_summary",
        "admin:clients_client_change",
        "admin:invoices_invoice_change",
    ],
)
@pytest.mark.parametrize("pk", [1, 42, 10**12])
def test_object_url_is_reverse(viewname, pk):
    assert object_url(viewname, pk) == reverse(viewname, args=[pk])


def test_object_url_reverses_anything_but_an_int():
    assert object_url("admin:clients_client_change", "a/b c") == reverse(
        "admin:clients_client_change", args=["a/b c"]
    )


def test_object_url_follows_the_script_prefix():
    set_script_prefix("/billing/")
    try:
        assert (
            object_url("admin:clients_client_change", 7)
            == "/billing/admin/clients/client/7/change/"
        )
    finally:
        set_script_prefix("/")
    assert object_url("admin:clients_client_change", 7) == "/admin/clients/client/7/change/"


@pytest.mark.parametrize("moment", [datetime(2026, 12, 5, 23, 30, tzinfo=UTC), timezone.now()])
def test_day_text_is_date_format_of_the_local_day(moment, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    expected = date_format(timezone.localdate(moment))
    assert day_text(moment) == expected
    with translation.override("de"):
        assert day_text(moment) == date_format(timezone.localdate(moment))


@pytest.mark.parametrize(
    "value",
    [date(2026, 12, 5), date(1999, 1, 31), None, "x", datetime(2026, 1, 2, 3, 4, tzinfo=UTC)],
)
def test_day_filter_writes_what_the_variable_writes(value):
    plain = engines["django"].from_string("{{ value }}")
    filtered = engines["django"].from_string("{% load dates %}{{ value|day }}")
    for language in ("en", "de"):
        with translation.override(language):
            assert filtered.render({"value": value}) == plain.render({"value": value})
