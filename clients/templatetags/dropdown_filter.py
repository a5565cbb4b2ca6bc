"""``{{ choices|dropdown_options }}``: a list filter's choices as the ``<option>`` elements of
admin/clients/client/dropdown_filter.html, written in one pass rather than a template loop
(hundreds of options on every client list page; see clients/admin_filters.py). Each option is
what ``<option value="{{ choice.query_string|iriencode }}"{% if choice.selected %} selected{%
endif %}>{{ choice.display }}</option>`` gives, one a line."""

import functools
import html

from django import template
from django.utils.encoding import iri_to_uri
from django.utils.functional import Promise
from django.utils.safestring import mark_safe

register = template.Library()


def _escape(value) -> str:
    """``conditional_escape(value)`` as a plain string, without a SafeString per call (most of
    its cost over hundreds of options)."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _option(query_string, selected: bool, display) -> str:
    return '<option value="{}"{}>{}</option>'.format(
        _escape(iri_to_uri(query_string)), " selected" if selected else "", _escape(display)
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
