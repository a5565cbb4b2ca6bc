"""billing_admin.html writes what Django's conditional_escape and format_html write."""

from decimal import Decimal

import pytest
from django.utils import html as django_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from billing_admin.html import escaped, format_html


class HtmlObject:
    def __html__(self):
        return "<b>as it says</b>"

    def __str__(self):
        return "<not this>"

    def __repr__(self):  # a stable test id for pytest-xdist's workers
        return "HtmlObject()"


AWKWARD = [
    "plain",
    "<script>alert('x')</script> & \"quoted\"",
    "",
    "Côte d’Ivoire",
    mark_safe("<em>already safe</em> &amp;"),
    gettext_lazy("Select this object & <that>"),
    12,
    Decimal("-1.50"),
    None,
    HtmlObject(),
]


@pytest.mark.parametrize("value", AWKWARD, ids=repr)
def test_escaped_is_what_conditional_escape_writes(value):
    assert escaped(value) == django_html.conditional_escape(value)


@pytest.mark.parametrize("value", AWKWARD, ids=repr)
def test_format_html_is_what_djangos_writes(value):
    template = '<a href="{}" title="{}">{}</a>'
    ours = format_html(template, value, "x<y", value)

    assert ours == django_html.format_html(template, value, "x<y", value)
    assert isinstance(ours, SafeString)
