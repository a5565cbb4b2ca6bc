"""``{{ choices|dropdown_options }}``: a list filter's choices as the ``<option>`` elements of
admin/clients/client/dropdown_filter.html, written in one pass rather than a template loop
(hundreds of options on every client list page; see clients/admin_filters.py). Each option is
what ``<option value="{{ choice.query_string|iriencode }}"{% if choice.selected %} selected{%
endif %}>{{ choice.display }}</option>`` gives, one a line."""

import functools

from django import template
from django.utils.encoding import iri_to_uri
from django.utils.safestring import mark_safe

from billing_admin.html import escaped

register = template.Library()


def _option(query_string, selected: bool, display) -> str:
    return '<option value="{}"{}>{}</option>'.format(
        escaped(iri_to_uri(query_string)), " selected" if selected else "", escaped(display)
    )


# The same few hundred options (a country and its link) on every page of the list: each is
# written once per process. Only plain strings are cached: a safe or lazy string equal to a
# plain one is written differently.
_cached_option = functools.lru_cache(maxsize=8192)(_option)


@register.filter
def dropdown_options(choices) -> str:
    return mark_safe(
        "\n".join(
            (
                _cached_option
                if type(choice["query_string"]) is str and type(choice["display"]) is str
                else _option
            )(choice["query_string"], bool(choice["selected"]), choice["display"])
            for choice in choices
        )
    )
