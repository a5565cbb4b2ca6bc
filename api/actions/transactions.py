"""Transaction actions: AddTransaction, GetTransactions, UpdateTransaction."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone

from api import selectors
from api.actions.lookups import CLIENT_ID_NOT_FOUND, client_id_param, currency_code, currency_id
from api.auth import require_owner_permissions
from api.protocol import ApiError, Params, datetime_text, error_message, money, page, paged
from billing_admin.money import ZERO
from clients.models import Client
from invoices.models import Invoice
from invoices.services import invoice_transaction_record
from transactions import services as transaction_services
from transactions.models import Transaction

PAYMENT_METHOD_REQUIRED = "Payment Method is required"
INVOICE_ID_NOT_FOUND = "Invoice ID Not Found"
INVOICE_NOT_OWNED = "User ID does not own the given Invoice ID"
CURRENCY_REQUIRED = "A Currency ID is required for non-customer related transactions"
CURRENCY_NOT_FOUND = "Currency ID Not Found"
CURRENCY_MISMATCH = "Currency ID does not match Client currency"
TRANSACTION_ID_NOT_FOUND = "Transaction ID Not Found"
INVOICE_NOT_CHANGEABLE = (
    "The invoice of a transaction cannot be changed: record a payment on the invoice instead"
)
RATE_NOT_SUPPORTED = "Exchange rates are not supported: rate must be 1"
REFUND_LINK_NOT_SUPPORTED = "Refund links are not supported: refundid must be 0"
CREDIT_NEEDS_CLIENT = "A credit transaction needs a userid and must not have an invoiceid"
AMOUNT_INVALID = "Amount must be in decimal format: ### or ###.##"
DATE_INVALID = "Date Format is not Valid"
# AddTransaction's date is in the localisation format; Y-m-d is accepted too.
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
# UpdateTransaction's is Y-m-d only.
UPDATE_DATE_FORMATS = ("%Y-%m-%d",)
# UpdateTransaction parameters for the columns transaction_update edits, beyond the client.
UPDATE_TEXT_FIELDS = {
    "gateway": "gateway",
    "description": "description",
    "transid": "transaction_id",
}
UPDATE_MONEY_FIELDS = {"amountin": "amount_in", "fees": "fees", "amountout": "amount_out"}


# The columns a transaction row shows, read as plain tuples: a 1,000-row page builds no model
# instances.
TRANSACTION_ROW_FIELDS = (
    "pk",
    "client_snapshot_id",
    "currency",
    "gateway",
    "date",
    "description",
    "amount_in",
    "fees",
    "amount_out",
    "transaction_id",
    "invoice_id",
)


def transaction_row_of(txn: Transaction) -> dict:
    """transaction_row of a loaded instance (GetInvoice's prefetched transactions)."""
    return transaction_row(*(getattr(txn, field) for field in TRANSACTION_ROW_FIELDS))


def transaction_row(
    pk,
    client_snapshot_id,
    currency,
    gateway,
    date,
    description,
    amount_in,
    fees,
    amount_out,
    transaction_id,
    invoice_id,
) -> dict:
    """One row of TRANSACTION_ROW_FIELDS as WHMCS lists it. ``userid`` outlives the client (it
    is the snapshot)."""
    return {
        "id": pk,
        "userid": client_snapshot_id or 0,
        "currency": currency_id(currency),
        "gateway": gateway,
        "date": datetime_text(date),
        "description": description,
        "amountin": money(amount_in),
        "fees": money(fees),
        "amountout": money(amount_out),
        "rate": "1.00000",
        "transid": transaction_id,
        "invoiceid": invoice_id or 0,
        "refundid": 0,
    }


def _client(params: Params) -> Client | None:
    if not params.has("userid"):
        return None
    client = selectors.client_or_none(client_id_param(params, "userid"))
    if client is None:
        raise ApiError(CLIENT_ID_NOT_FOUND)
    return client


def _invoice(params: Params, client: Client | None) -> Invoice | None:
    invoice_id = params.optional_id("invoiceid", not_found=INVOICE_ID_NOT_FOUND)
    if invoice_id is None:
        return None
    invoice = selectors.invoice_with_client_or_none(invoice_id)
    if invoice is None:
        raise ApiError(INVOICE_ID_NOT_FOUND)
    if client is not None and invoice.client_id != client.pk:
        raise ApiError(INVOICE_NOT_OWNED)
    return invoice


def _currency(params: Params, client: Client | None) -> str | None:
    if not params.has("currencyid"):
        if client is None:
            raise ApiError(CURRENCY_REQUIRED)
        return None
    code = currency_code(params.text("currencyid"))
    if code is None:
        raise ApiError(CURRENCY_NOT_FOUND)
    if client is not None and code != client.currency:
        raise ApiError(CURRENCY_MISMATCH)
    return code


def _date(params: Params, *, formats=DATE_FORMATS) -> datetime.datetime | None:
    day = params.date("date", invalid=DATE_INVALID, formats=formats)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time())) if day else None


# The service's errors in WHMCS's words (its unique-id message already is).
SERVICE_ERRORS = {
    transaction_services.TRANSACTION_ID_TAKEN: transaction_services.TRANSACTION_ID_TAKEN,
    transaction_services.TRANSACTION_NOT_FOUND: TRANSACTION_ID_NOT_FOUND,  # deleted meanwhile
    "currency": CURRENCY_MISMATCH,
}


def _service_error(exc: ValidationError) -> ApiError:
    return ApiError(error_message(exc, SERVICE_ERRORS))


def _is_rate_one(value: str) -> bool:
    """GetTransactions lists every rate as "1.00000"; that (or any spelling of 1) is accepted."""
    return re.fullmatch(r"0*1(\.0*)?", value) is not None


def add_transaction(params: Params, *, actor) -> dict:
    if not params.has("paymentmethod"):
        raise ApiError(PAYMENT_METHOD_REQUIRED)
    client = _client(params)
    invoice = _invoice(params, client)
    as_credit = params.boolean("credit")
    if as_credit:
        require_owner_permissions(
            actor, action="AddTransaction", permissions=["clients.manage_client_credit"]
        )
    if as_credit and (client is None or invoice is not None):
        raise ApiError(CREDIT_NEEDS_CLIENT)
    fields = {
        "gateway": params.text("paymentmethod"),
        "amount_in": params.money("amountin", invalid=AMOUNT_INVALID) or ZERO,
        "fees": params.money("fees", invalid=AMOUNT_INVALID) or ZERO,
        "amount_out": params.money("amountout", invalid=AMOUNT_INVALID) or ZERO,
        "transaction_id": params.text("transid"),
        "description": params.text("description"),
        "currency": _currency(params, client or (invoice.client if invoice else None)),
        "date": _date(params),
        "allow_duplicate_transaction_id": params.boolean("allowduplicatetransid"),
    }
    try:
        if as_credit:
            transaction_services.transaction_create_as_credit(
                client_id=client.pk, actor=actor, **fields
            )
        elif invoice is not None:
            # A payment or refund of the invoice: it moves the invoice too (WHMCS: an invoice's
            # balance is its total less the transactions linked to it).
            invoice_transaction_record(invoice_id=invoice.pk, client=client, actor=actor, **fields)
        else:
            transaction_services.transaction_create(client=client, actor=actor, **fields)
    except ValidationError as exc:
        raise _service_error(exc) from None
    return {}


def update_transaction(params: Params, *, actor) -> dict:
    transaction_pk = params.record_id("transactionid", not_found=TRANSACTION_ID_NOT_FOUND)
    txn = selectors.transaction_or_none(transaction_pk)
    if txn is None:
        raise ApiError(TRANSACTION_ID_NOT_FOUND)
    if params.has("invoiceid") and params.text("invoiceid") != str(txn.invoice_id or 0):
        raise ApiError(INVOICE_NOT_CHANGEABLE)
    # Sent back unchanged by tooling that edits what GetTransactions listed.
    if params.has("rate") and not _is_rate_one(params.text("rate")):
        raise ApiError(RATE_NOT_SUPPORTED)
    if params.has("refundid") and params.text("refundid") != "0":
        raise ApiError(REFUND_LINK_NOT_SUPPORTED)
    fields = {
        field: params.text(name) for name, field in UPDATE_TEXT_FIELDS.items() if params.has(name)
    }
    fields.update(
        (field, params.money(name, invalid=AMOUNT_INVALID))
        for name, field in UPDATE_MONEY_FIELDS.items()
        if params.has(name)
    )
    client = _client(params)
    if client is not None:
        fields["client"] = client
    if params.has("currency"):
        fields["currency"] = currency_code(params.text("currency"))
        if fields["currency"] is None:
            raise ApiError(CURRENCY_NOT_FOUND)
    if params.has("date"):
        fields["date"] = _date(params, formats=UPDATE_DATE_FORMATS)
    try:
        transaction_services.transaction_update(
            transaction_pk=txn.pk,
            actor=actor,
            allow_duplicate_transaction_id=params.boolean("allowduplicatetransid"),
            **fields,
        )
    except ValidationError as exc:
        raise _service_error(exc) from None
    return {"transactionid": txn.pk}


def get_transactions(params: Params, *, actor) -> dict:
    transactions = selectors.transaction_list(
        invoice_id=params.optional_id("invoiceid", not_found=INVOICE_ID_NOT_FOUND),
        client_id=params.optional_id("clientid", not_found=CLIENT_ID_NOT_FOUND),
        transaction_id=params.text("transid") if params.has("transid") else None,
    )
    start, limit = page(params)
    found, total = selectors.page_of(
        transactions.values_list(*TRANSACTION_ROW_FIELDS), start=start, limit=limit
    )
    rows = [transaction_row(*row) for row in found]
    return paged("transactions", "transaction", rows, total=total, start=start)
