"""Credit actions: AddCredit, GetCredits, ApplyCredit."""

from django.core.exceptions import ValidationError

from api import selectors
from api.actions.lookups import CLIENT_ID_NOT_FOUND, client_id_param
from api.protocol import ApiError, Params, date_text, error_message, money, wrapped
from clients.models import Client
from credits import services as credit_services
from invoices import services as invoice_services
from invoices.models import Invoice

INVOICE_ID_NOT_FOUND = "Invoice ID Not Found"
TYPE_INVALID = "Type can only be add or remove"
ADMIN_NOT_FOUND = "Admin ID Not Found"
NO_AMOUNT = "No Amount Provided"
AMOUNT_FORMAT = "Amount must be in decimal format: ### or ###.##"
DATE_INVALID = "Date Format is not Valid"
CREDIT_AMOUNT_INVALID = "Credit Amount to apply must be greater than zero"
# ApplyCredit's errors come from the invoices service already in WHMCS's words.
APPLY_ERRORS = {
    message: message
    for message in (
        invoice_services.INVOICE_NOT_FOUND,
        invoice_services.NOT_UNPAID,
        invoice_services.CREDIT_NOT_POSITIVE,
        invoice_services.EXCEEDS_CREDIT_BALANCE,
        invoice_services.EXCEEDS_INVOICE_BALANCE,
    )
}


def add_credit(params: Params, *, actor) -> dict:
    """``adminid`` is checked but the entry is attributed to the calling credential (and its
    owner), so the audit trail always shows who really made the change."""
    client_id = client_id_param(params)
    kind = params.text("type").lower() or "add"
    if kind not in ("add", "remove"):
        raise ApiError(TYPE_INVALID)
    if params.has("adminid"):
        admin_id = params.record_id("adminid", not_found=ADMIN_NOT_FOUND)
        if not selectors.staff_user_exists(admin_id):
            raise ApiError(ADMIN_NOT_FOUND)
    amount = params.money("amount", invalid=AMOUNT_FORMAT)
    if amount is None:
        raise ApiError(NO_AMOUNT)
    date = params.date("date", invalid=DATE_INVALID)
    operation = credit_services.add_credit if kind == "add" else credit_services.remove_credit
    try:
        entry = operation(
            client_id=client_id,
            amount=amount,
            description=params.text("description"),
            date=date,
            actor=actor,
        )
    except Client.DoesNotExist:
        raise ApiError(CLIENT_ID_NOT_FOUND) from None
    except ValidationError as exc:
        raise ApiError(error_message(exc, {})) from None
    return {"newbalance": money(entry.client.credit_balance)}


def get_credits(params: Params, *, actor) -> dict:
    client_id = client_id_param(params)
    if not selectors.client_exists(client_id):
        raise ApiError(CLIENT_ID_NOT_FOUND)
    entries = [
        {
            "id": entry.pk,
            "date": date_text(entry.date),
            "description": entry.description,
            "amount": money(entry.amount),
            "relid": entry.invoice_id or 0,
        }
        for entry in selectors.client_credit_log(client_id)
    ]
    return {
        "totalresults": len(entries),
        "clientid": client_id,
        **wrapped("credits", "credit", entries),
    }


def apply_credit(params: Params, *, actor) -> dict:
    invoice_id = params.record_id("invoiceid", not_found=INVOICE_ID_NOT_FOUND)
    amount = params.money("amount", invalid=CREDIT_AMOUNT_INVALID)
    try:
        entry = invoice_services.invoice_apply_credit(
            invoice_id=invoice_id, amount=amount, actor=actor
        )
    except ValidationError as exc:
        raise ApiError(error_message(exc, APPLY_ERRORS)) from None
    return {
        "invoiceid": invoice_id,
        "amount": money(-entry.amount),
        "invoicepaid": "true" if entry.invoice.status == Invoice.Status.PAID else "false",
    }
