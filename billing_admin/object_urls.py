"""``object_url(viewname, pk)``: ``reverse(viewname, args=[pk])`` for an integer primary key,
without resolving the pattern again for every row.

A list page links each of its 50 rows to the row's page (the client list twice: the id and the
name), and ``reverse()`` costs more than the rest of such a cell. The URL is reversed once per
view name (and script prefix, URLconf and admin site) with a marker for the key; each row then
only puts its key where the marker was. Anything that is not an int goes through ``reverse()``.
"""

import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

# A key no table reaches, so it is found once in the reversed URL and nowhere else.
_MARKER = 987654320123456789


def url_setup() -> tuple:
    """What a reversed URL depends on besides its view name and arguments: the script prefix
    and the URLconf in use (a key for anything that keeps reversed URLs)."""
    return get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF


@functools.lru_cache(maxsize=256)
def _url_around_key(viewname, current_app, script_prefix, urlconf, root_urlconf):
    url = reverse(viewname, args=[_MARKER], current_app=current_app)
    head, found, tail = url.partition(str(_MARKER))
    if not found or str(_MARKER) in tail:
        return None
    return head, tail


def object_url(viewname: str, pk, *, current_app: str | None = None) -> str:
    if type(pk) is not int:
        return reverse(viewname, args=[pk], current_app=current_app)
    parts = _url_around_key(viewname, current_app, *url_setup())
    if parts is None:
        return reverse(viewname, args=[pk], current_app=current_app)
    return f"{parts[0]}{pk}{parts[1]}"


@receiver(setting_changed)
def _forget_urls(**kwargs) -> None:
    # Tests that change settings (a URLconf, a prefix setting) start from reverse() again.
    _url_around_key.cache_clear()
