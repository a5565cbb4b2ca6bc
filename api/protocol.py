"""The WHMCS wire protocol: reading parameters, typing values, the JSON/XML envelope."""

import datetime
import functools
import json
import re
import zoneinfo
from decimal import Decimal
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone

from billing_admin.money import format_money, to_money
from billing_admin.parsing import MAX_BIGINT, parse_count, parse_natural, parse_positive_int

MAX_PAGE_SIZE = 1000
INVALID_CHARACTERS = "Invalid characters in {name}"
TRUE_VALUES = frozenset({"1", "true", "on", "yes"})
# WHMCS prints an unset date this way.
NO_DATE = "0000-00-00"
NO_DATETIME = "0000-00-00 00:00:00"


class ApiError(Exception):
    """An answer of {"result": "error", "message": ...}; HTTP 403 for auth, 200 otherwise."""

    def __init__(self, message: str, *, status: int = 200):
        super().__init__(message)
        self.message = message
        self.status = status


class Params:
    """The call's parameters.

    WHMCS tooling sends form-encoded bodies under all sorts of Content-Type headers (or none), so
    the raw body is parsed as a form whatever the header says; only a real multipart body is left
    to Django's parser. ``action`` and ``responsetype`` may also come in the query string.
    """

    QUERY_STRING_KEYS = ("action", "responsetype")

    def __init__(self, request: HttpRequest):
        if request.content_type == "multipart/form-data":
            self._data = request.POST.copy()
        else:
            self._data = QueryDict(request.body, mutable=True, encoding="utf-8")
        for key in self.QUERY_STRING_KEYS:
            if not self._data.get(key) and request.GET.get(key):
                self._data[key] = request.GET[key]

    def __contains__(self, name: str) -> bool:
        return name in self._data

    def keys(self) -> list[str]:
        return list(self._data)

    def all(self, name: str) -> list[str]:
        """Every value sent for ``name``, as sent (a repeated key gives several)."""
        return self._data.getlist(name)

    def text(self, name: str) -> str:
        """The value stripped of surrounding blanks; "" when absent. PostgreSQL cannot store a
        NUL character, so a value with one is refused here rather than failing in the database."""
        value = (self._data.get(name) or "").strip()
        if "\x00" in value:
            raise ApiError(INVALID_CHARACTERS.format(name=name))
        return value

    def has(self, name: str) -> bool:
        return bool(self.text(name))

    def boolean(self, name: str) -> bool:
        return self.text(name).lower() in TRUE_VALUES

    def record_id(self, name: str, *, not_found: str) -> int:
        """A row id. Absent, malformed or out-of-range ids name no row: ``not_found``."""
        record_id = parse_positive_int(self.text(name))
        if record_id is None:
            raise ApiError(not_found)
        return record_id

    def optional_id(self, name: str, *, not_found: str) -> int | None:
        return self.record_id(name, not_found=not_found) if self.has(name) else None

    def integer(
        self, name: str, *, default: int, minimum: int = 0, maximum: int = MAX_BIGINT
    ) -> int:
        """A count such as ``limitnum``, kept within bounds; malformed values give ``default``."""
        return parse_count(self.text(name), default=default, minimum=minimum, maximum=maximum)

    def money(self, name: str, *, invalid: str) -> Decimal | None:
        return parse_money(self.text(name), invalid=invalid)

    def date(self, name: str, *, invalid: str, formats=("%Y-%m-%d",)) -> datetime.date | None:
        value = self.text(name)
        if not value:
            return None
        for date_format in formats:
            try:
                return datetime.datetime.strptime(value, date_format).date()
            except ValueError:
                continue
        raise ApiError(invalid)

    def moment(self, name: str, *, invalid: str) -> datetime.datetime | None:
        """A "Y-m-d H:i:s" (or bare date) moment in the site's time zone."""
        value = self.text(name)
        if not value:
            return None
        for date_format in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
            try:
                moment = datetime.datetime.strptime(value, date_format)
            except ValueError:
                continue
            return timezone.make_aware(moment)
        raise ApiError(invalid)

    def numbered(self, prefix: str) -> dict[int, str]:
        """Values of ``<prefix>N`` and ``<prefix>[N]`` keys by N (CreateInvoice's item lines)."""
        pattern = re.compile(rf"{re.escape(prefix)}(?:([0-9]+)|\[([0-9]+)\])")
        found = {}
        for key in self._data:
            match = pattern.fullmatch(key)
            number = parse_natural(match.group(1) or match.group(2)) if match else None
            if number is not None:  # a key numbered past any row id names no line
                found[number] = self.text(key)
        return found

    def listed(self, prefix: str) -> list[str]:
        """A PHP-style array in order: repeated ``<prefix>[]`` values, then ``<prefix>[N]`` (or
        ``<prefix>N``) by N (UpdateInvoice's new lines and deletelineids)."""
        values = [value.strip() for value in self._data.getlist(f"{prefix}[]")]
        if any("\x00" in value for value in values):
            raise ApiError(INVALID_CHARACTERS.format(name=prefix))
        return values + [value for _, value in sorted(self.numbered(prefix).items())]


def parse_money(value: str, *, invalid: str) -> Decimal | None:
    """An amount ("12", "12.5", "-3.10") as Decimal cents; None when empty. Anything else (NaN,
    exponents, more than two places, too large for a money column) is refused with ``invalid``.
    """
    if not value:
        return None
    if not re.fullmatch(r"-?\d+(\.\d{1,2})?", value):
        raise ApiError(invalid)
    try:
        return to_money(value)
    except ValueError:
        raise ApiError(invalid) from None


def error_message(exc: ValidationError, translations: dict[str, str]) -> str:
    """A service's ValidationError as one WHMCS-style message.

    ``translations`` maps a service message constant, or failing that a field name, to WHMCS's
    wording; anything untranslated is passed on as "field: message".
    """
    if hasattr(exc, "error_dict"):
        pairs = [(field, msg) for field, msgs in exc.message_dict.items() for msg in msgs]
    else:
        pairs = [(NON_FIELD_ERRORS, msg) for msg in exc.messages]
    for key in [msg for _, msg in pairs] + [field for field, _ in pairs]:
        if key in translations:
            return translations[key]
    return "; ".join(
        msg if field == NON_FIELD_ERRORS else f"{field}: {msg}" for field, msg in pairs
    )


def money(amount: Decimal | None) -> str:
    return format_money(amount) if amount is not None else "0.00"


def date_text(value: datetime.date | None) -> str:
    return value.isoformat() if value else NO_DATE


@functools.lru_cache(maxsize=8)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def datetime_text(value: datetime.datetime | None) -> str:
    """In the site's time zone, to the second. Not timezone.localtime(): the API activates no
    zone of its own, and looking the active one up costs more than the formatting (a 1,000-row
    GetInvoices formats 3,000 of these)."""
    if value is None:
        return NO_DATETIME
    return _in_site_zone(value).isoformat(sep=" ", timespec="seconds")[:19]


def local_date_text(value: datetime.datetime) -> str:
    """The date of a moment in the site's time zone (what ``timezone.localdate`` gives when no
    zone is activated, as in the API), looked up as ``datetime_text`` does: a 1,000-row
    GetClients formats 1,000 of these."""
    return _in_site_zone(value).date().isoformat()


def _in_site_zone(value: datetime.datetime) -> datetime.datetime:
    """``value`` on the site's clock. The database hands back UTC moments: on a UTC site they
    already read as local time, and converting them again was half of their formatting."""
    if value.tzinfo is datetime.UTC and settings.TIME_ZONE == "UTC":
        return value
    return value.astimezone(_zone(settings.TIME_ZONE))


def wrapped(plural: str, singular: str, rows: list) -> dict:
    """WHMCS wraps lists in a singular key: {"clients": {"client": [...]}}."""
    return {plural: {singular: rows}}


def page(params: Params) -> tuple[int, int]:
    """(limitstart, limitnum) with WHMCS's defaults 0 and 25. A page holds at most
    MAX_PAGE_SIZE rows, so one call cannot ask for a million; paging clients loop anyway."""
    limit = params.integer("limitnum", default=25, minimum=1, maximum=MAX_PAGE_SIZE)
    return params.integer("limitstart", default=0, maximum=MAX_BIGINT - limit), limit


def paged(plural: str, singular: str, rows: list, *, total: int, start: int) -> dict:
    return {
        "totalresults": total,
        "startnumber": start,
        "numreturned": len(rows),
        **wrapped(plural, singular, rows),
    }


def render(payload: dict, *, xml: bool, status: int = 200) -> HttpResponse:
    if xml:
        root = ElementTree.Element("whmcsapi")
        _xml_fill(root, payload)
        body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
        return HttpResponse(body, status=status, content_type="application/xml; charset=utf-8")
    return HttpResponse(
        json.dumps(payload), status=status, content_type="application/json; charset=utf-8"
    )


def _xml_fill(element: ElementTree.Element, value) -> None:
    """Dicts become child elements; a list repeats its key's element once per item."""
    if isinstance(value, dict):
        for key, child in value.items():
            for item in child if isinstance(child, list) else [child]:
                _xml_fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_safe(str(value))


# Characters XML 1.0 forbids anywhere in a document: C0 controls but tab, newline and carriage
# return; lone surrogates; U+FFFE and U+FFFF. ElementTree writes them anyway, and no parser
# reads the result.
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """``text`` without the characters XML cannot carry. Every XML answer's text passes here,
    so stored values and echoed input alike are dropped on output; JSON answers keep them."""
    return XML_ILLEGAL.sub("", text)
