"""Lookup actions (GetClientGroups, GetCurrencies, GetPaymentMethods) and the id mappings the
other actions share: WHMCS names currencies by id and languages by English name."""

from django.conf import settings
from django.conf.locale import LANG_INFO

from api import selectors
from api.protocol import Params, wrapped
from billing_admin.parsing import parse_positive_int
from merges.selectors import merged_into

CLIENT_ID_NOT_FOUND = "Client ID Not Found"


def client_id_param(
    params: Params, name: str = "clientid", *, not_found: str = CLIENT_ID_NOT_FOUND
) -> int:
    """The client id sent as ``name``. The id of a client merged into another answers for that
    client, as the old id of a merged WHMCS client would for sync tools that stored it (the
    destructive DeleteClient and CloseClient do not follow merges: they act on the id as sent).
    """
    client_id = params.record_id(name, not_found=not_found)
    return merged_into(client_id) or client_id


def currency_id(code: str) -> int:
    """The WHMCS currency id of an ISO code: its 1-based place in settings.CURRENCIES, else 0."""
    return settings.CURRENCIES.index(code) + 1 if code in settings.CURRENCIES else 0


def currency_code(currency_id_text: str) -> str | None:
    """The ISO code for a WHMCS currency id; None when no currency has that id."""
    number = parse_positive_int(currency_id_text)
    if number is not None and number <= len(settings.CURRENCIES):
        return settings.CURRENCIES[number - 1]
    return None


_LANGUAGE_CODES = {
    info["name"].lower(): code
    for code, info in LANG_INFO.items()
    if "name" in info and code in dict(settings.LANGUAGES)
}


def language_code(name: str) -> str:
    """WHMCS sends languages by name ("english"); we store Django's code ("en")."""
    return _LANGUAGE_CODES.get(name.lower(), name)


def language_name(code: str) -> str:
    return LANG_INFO.get(code, {}).get("name", "").lower() if code else ""


def get_client_groups(params: Params, *, actor) -> dict:
    groups = [
        {"id": group.pk, "groupname": group.name, "groupcolour": group.colour}
        for group in selectors.client_groups()
    ]
    return {"totalresults": len(groups), **wrapped("groups", "group", groups)}


def get_currencies(params: Params, *, actor) -> dict:
    currencies = [
        {
            "id": number,
            "code": code,
            "prefix": "",
            "suffix": f" {code}",
            "format": 1,
            "rate": "1.00000",
        }
        for number, code in enumerate(settings.CURRENCIES, start=1)
    ]
    return {"totalresults": len(currencies), **wrapped("currencies", "currency", currencies)}


def get_payment_methods(params: Params, *, actor) -> dict:
    methods = [
        {"module": module, "displayname": name} for module, name in settings.PAYMENT_METHODS.items()
    ]
    return {"totalresults": len(methods), **wrapped("paymentmethods", "paymentmethod", methods)}
