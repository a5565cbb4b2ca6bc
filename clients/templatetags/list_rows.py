"""``{% quick_result_list cl %}``: Django's ``{% result_list cl %}`` (the rows of an admin list)
with each row's cells written from a plan made once per page.

Django's ``items_for_result`` works out every cell from scratch: the column's CSS class, the
empty-value text, whether it links, and for the linked column ``reverse()`` plus, whenever the
list has a query (a search, a filter), ``add_preserved_filters()``, which resolves the row's URL
again. On the client list that was a third of the page's CPU. Here the per-column parts are
worked out once, the row link once (the row's key put into it), and each cell is the same
string Django writes (clients/tests/test_admin_page_cost.py compares them). Lists with
``list_editable``, popups and ``to_field`` go through Django's own code.
"""

import datetime
from types import SimpleNamespace

from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    result_headers,
    result_hidden_fields,
    results,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.urls import NoReverseMatch
from django.utils.safestring import mark_safe

from billing_admin.html import escaped

register = template.Library()

# A key no table reaches: the row link is made once with it, then each row's key replaces it.
_KEY_MARKER = 987654320123456789


def _column_name(field_name, index: int) -> str:
    """The ``field-<name>`` CSS class part, as Django's ``_coerce_field_name``."""
    if callable(field_name):
        return f"lambda{index}" if field_name.__name__ == "<lambda>" else field_name.__name__
    return field_name


class _Column:
    __slots__ = ("name", "css_class", "link", "tag", "lookup")

    def __init__(self, name, css_class: str, link: bool, tag: str, lookup):
        self.name = name
        self.css_class = css_class
        self.link = link
        self.tag = tag
        self.lookup = lookup  # row -> lookup_field(name, row, model_admin)


def _lookup(cl, name):
    """``lookup_field(name, row, model_admin)`` for every row of the list, with what it works
    out from the name alone (a model field? the admin's method?) worked out once: for a column
    that is not a field, lookup_field raises and catches FieldDoesNotExist on every row."""
    model_admin = cl.model_admin
    try:
        field = _get_non_gfk_field(cl.model._meta, name)
    except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
        if callable(name):
            return lambda row: (None, name, name(row))
        if hasattr(model_admin, name) and name != "__str__":
            method = getattr(model_admin, name)
            return lambda row: (None, method, method(row))
        return lambda row: lookup_field(name, row, model_admin)  # a model attribute or path
    return lambda row: (field, None, getattr(row, name))


def _columns(cl) -> list[_Column]:
    columns = []
    first = True
    for index, name in enumerate(cl.list_display):
        if cl.list_display_links is None:
            link = False
        elif first and not cl.list_display_links:
            link = True
        else:
            link = name in cl.list_display_links
        tag = "th" if link and first else "td"
        if link:
            first = False
        css_class = f"field-{_column_name(name, index)}"
        columns.append(_Column(name, css_class, link, tag, _lookup(cl, name)))
    return columns


class _RowLink:
    """``add_preserved_filters(url_for_result(row))`` as Django's cell makes it, for any row."""

    def __init__(self, cl):
        self.cl = cl
        self.context = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
        try:
            sample = self.full(SimpleNamespace(**{cl.pk_attname: _KEY_MARKER}))
        except NoReverseMatch:
            sample = None
        head, found, tail = (sample or "").partition(str(_KEY_MARKER))
        self.parts = (head, tail) if found else None

    def full(self, result) -> str:
        return add_preserved_filters(self.context, self.cl.url_for_result(result))

    def __call__(self, result) -> str:
        pk = getattr(result, self.cl.pk_attname)
        if self.parts is not None and type(pk) is int:
            return f"{self.parts[0]}{pk}{self.parts[1]}"
        return self.full(result)


def _cell(cl, column: _Column, result, empty: str, row_link: _RowLink) -> str:
    """One ``<td>`` (or the linked ``<th>``), as ``items_for_result`` writes it."""
    classes = column.css_class
    try:
        f, attr, value = column.lookup(result)
    except ObjectDoesNotExist:
        result_repr = empty
    else:
        empty_value_display = getattr(attr, "empty_value_display", empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if f is None or f.auto_created:
            if column.name == "action_checkbox":
                classes = "action-checkbox"
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            result_repr = display_for_value(value, empty_value_display, boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                classes += " nowrap"
        else:
            if isinstance(f.remote_field, models.ManyToOneRel):
                field_val = getattr(result, f.name)
                result_repr = empty_value_display if field_val is None else field_val
            else:
                result_repr = display_for_field(
                    value, f, empty_value_display, avoid_link=column.link
                )
            if isinstance(f, (models.DateField, models.TimeField, models.ForeignKey)):
                classes += " nowrap"
    text = escaped(result_repr)
    if column.link:
        try:
            url = row_link(result)
        except NoReverseMatch:
            pass
        else:
            text = f'<a href="{escaped(url)}">{text}</a>'
    return f'<{column.tag} class="{classes}">{text}</{column.tag}>'


def quick_results(cl):
    if cl.formset or cl.is_popup or cl.to_field:
        yield from results(cl)
        return
    columns = _columns(cl)
    empty = cl.model_admin.get_empty_value_display()
    row_link = _RowLink(cl) if any(column.link for column in columns) else None
    for result in cl.result_list:
        yield ResultList(
            None, [mark_safe(_cell(cl, column, result, empty, row_link)) for column in columns]
        )


def quick_result_list(cl) -> dict:
    """The context Django's ``result_list`` gives change_list_results.html."""
    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(quick_results(cl)),
    }


@register.tag(name="quick_result_list")
def quick_result_list_tag(parser, token):
    return InclusionAdminNode(
        parser,
        token,
        func=quick_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )
