"""``day_text(moment)``: the local day of a stored time as the lists show it ("Dec. 5, 2026").

The same as ``date_format(timezone.localdate(moment))``; the text of each day is kept (per
language), as a list page formats 50 rows of mostly the same few days and ``date_format``
parses the format and looks up translated month names each time.

``{{ value|day }}`` (``{% load dates %}``, registered in settings.TEMPLATES) is ``{{ value }}``
for a date, from the same kept texts; anything else it leaves to the template as it is.
"""

import functools
from datetime import date, datetime

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language


@functools.lru_cache(maxsize=1024)
def _day_text(day: date, language: str | None) -> str:
    return date_format(day)


def day_text(moment: datetime) -> str:
    return _day_text(timezone.localdate(moment), get_language())


register = template.Library()


@register.filter
def day(value):
    """A date as ``{{ value }}`` writes it (``localize``: ``date_format``)."""
    return _day_text(value, get_language()) if type(value) is date else value


@receiver(setting_changed)
def _forget_days(**kwargs) -> None:
    # A test that changes formats, languages or the time zone starts from date_format() again.
    _day_text.cache_clear()
