"""The client list's drop-down filters (countries, currencies, custom drop-down fields).

A country drop-down is 250 options and the currency one 180: through Django's stock
``ChoicesFieldListFilter`` and a template loop they cost more CPU than the rest of the sidebar
together (each option copies and sorts the list's parameters, then goes through the template
engine). Here the other parameters are encoded once per filter, and the options are written by
``{{ choices|dropdown_options }}`` (clients/templatetags/dropdown_filter.py). Same links, same
options, same order.
"""

import functools
from collections.abc import Callable
from urllib.parse import quote_plus

from django.contrib import admin
from django.utils.http import urlencode
from django.utils.translation import gettext as _


def query_strings_for(changelist, key: str, remove: list[str]) -> Callable[[object], str]:
    """``value -> changelist.get_query_string({key: value}, remove)``, the same string, for
    many values of one parameter: the list's other parameters are encoded once, not per value.
    (Django sorts the parameters by name, so the varying one sits between two fixed parts.)"""
    others = {
        name: value
        for name, value in changelist.filter_params.items()
        if name != key and not any(name.startswith(prefix) for prefix in remove)
    }
    before = urlencode(sorted(item for item in others.items() if item[0] < key), doseq=True)
    after = urlencode(sorted(item for item in others.items() if item[0] > key), doseq=True)

    head = f"?{before}&" if before else "?"
    tail = f"&{after}" if after else ""
    name = quote_plus(key)

    def query_string(value) -> str:
        # A str is encoded as urlencode() would encode it; anything else goes through it.
        pair = (
            f"{name}={_quoted(value)}"
            if isinstance(value, str)
            else urlencode([(key, value)], doseq=True)
        )
        return f"{head}{pair}{tail}"

    return query_string


# The choices' values (country and currency codes, a custom field's options) are few and the
# same on every page: each is encoded once per process.
_quoted = functools.lru_cache(maxsize=8192)(quote_plus)


class DropdownChoicesFilter(admin.ChoicesFieldListFilter):
    """A choices filter as one drop-down: countries and currencies are hundreds of links long.
    ``choices()`` yields what Django's does (facets are left to Django's own)."""

    template = "admin/clients/client/dropdown_filter.html"

    def choices(self, changelist):
        if changelist.add_facets:
            yield from super().choices(changelist)
            return
        query_string = query_strings_for(changelist, self.lookup_kwarg, [self.lookup_kwarg_isnull])
        yield {
            "selected": self.lookup_val is None,
            "query_string": changelist.get_query_string(
                remove=[self.lookup_kwarg, self.lookup_kwarg_isnull]
            ),
            "display": _("All"),
        }
        none_title = ""
        for lookup, title in self.field.flatchoices:
            if lookup is None:
                none_title = title
                continue
            yield {
                "selected": self.lookup_val is not None and str(lookup) in self.lookup_val,
                "query_string": query_string(lookup),
                "display": title,
            }
        if none_title:
            yield {
                "selected": bool(self.lookup_val_isnull),
                "query_string": changelist.get_query_string(
                    {self.lookup_kwarg_isnull: "True"}, [self.lookup_kwarg]
                ),
                "display": none_title,
            }
