"""Transaction actions: AddTransaction, GetTransactions. (UpdateTransaction is not offered:
the transactions layer has no service for editing a transaction.)"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from api.actions.lookups import currency_code, currency_id
from api.auth import require_owner_permissions
from api.protocol import ApiError, Params, datetime_text, error_message, money, page, paged
from billing_admin.money import ZERO
from clients.models import Client
from credits import services as credit_services
from invoices.models import Invoice
from transactions import services as transaction_services
from transactions.models import Transaction

PAYMENT_METHOD_REQUIRED = "Payment Method is required"
CLIENT_ID_NOT_FOUND = "Client ID Not Found"
INVOICE_ID_NOT_FOUND = "Invoice ID Not Found"
INVOICE_NOT_OWNED = "User ID does not own the given Invoice ID"
CURRENCY_REQUIRED = "A Currency ID is required for non-customer related transactions"
CURRENCY_NOT_FOUND = "Currency ID Not Found"
CURRENCY_MISMATCH = "Currency ID does not match Client currency"
TRANSID_NOT_UNIQUE = "Transaction ID must be Unique"
CREDIT_NEEDS_CLIENT = "A credit transaction needs a userid and must not have an invoiceid"
AMOUNT_INVALID = "Amount must be in decimal format: ### or ###.##"
DATE_INVALID = "Date Format is not Valid"
# AddTransaction's date is in the localisation format; Y-m-d is accepted too.
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def transaction_row(txn: Transaction) -> dict:
    """A transaction as WHMCS lists it. ``userid`` outlives the client (it is the snapshot)."""
    return {
        "id": txn.pk,
        "userid": txn.client_snapshot_id or 0,
        "currency": currency_id(txn.currency),
        "gateway": txn.gateway,
        "date": datetime_text(txn.date),
        "description": txn.description,
        "amountin": money(txn.amount_in),
        "fees": money(txn.fees),
        "amountout": money(txn.amount_out),
        "rate": "1.00000",
        "transid": txn.transaction_id,
        "invoiceid": txn.invoice_id or 0,
        "refundid": 0,
    }


def _client(params: Params) -> Client | None:
    client_id = params.optional_id("userid", not_found=CLIENT_ID_NOT_FOUND)
    if client_id is None:
        return None
    client = Client.objects.filter(pk=client_id).first()
    if client is None:
        raise ApiError(CLIENT_ID_NOT_FOUND)
    return client


def _invoice(params: Params, client: Client | None) -> Invoice | None:
    invoice_id = params.optional_id("invoiceid", not_found=INVOICE_ID_NOT_FOUND)
    if invoice_id is None:
        return None
    invoice = Invoice.objects.select_related("client").filter(pk=invoice_id).first()
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


def _date(params: Params) -> datetime.datetime | None:
    day = params.date("date", invalid=DATE_INVALID, formats=DATE_FORMATS)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time())) if day else None


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
    currency = _currency(params, client or (invoice.client if invoice else None))
    transaction_id = params.text("transid")
    if (
        transaction_id
        and not params.boolean("allowduplicatetransid")
        and Transaction.objects.filter(transaction_id=transaction_id).exists()
    ):
        raise ApiError(TRANSID_NOT_UNIQUE)
    amount_in = params.money("amountin", invalid=AMOUNT_INVALID) or ZERO
    description = params.text("description")
    try:
        with transaction.atomic():  # the money and the credit it buys, together or not at all
            transaction_services.transaction_create(
                gateway=params.text("paymentmethod"),
                actor=actor,
                client=client,
                invoice=invoice,
                amount_in=amount_in,
                fees=params.money("fees", invalid=AMOUNT_INVALID) or ZERO,
                amount_out=params.money("amountout", invalid=AMOUNT_INVALID) or ZERO,
                transaction_id=transaction_id,
                description=description,
                currency=currency,
                date=_date(params),
            )
            if as_credit:
                credit_services.add_credit(
                    client_id=client.pk, amount=amount_in, description=description, actor=actor
                )
    except ValidationError as exc:
        raise ApiError(error_message(exc, {})) from None
    return {}


def get_transactions(params: Params, *, actor) -> dict:
    transactions = Transaction.objects.all()
    if params.has("invoiceid"):
        transactions = transactions.filter(
            invoice_id=params.record_id("invoiceid", not_found=INVOICE_ID_NOT_FOUND)
        )
    if params.has("clientid"):
        # The snapshot id keeps a deleted client's transactions findable by its old id.
        transactions = transactions.filter(
            client_snapshot_id=params.record_id("clientid", not_found=CLIENT_ID_NOT_FOUND)
        )
    if params.has("transid"):
        transactions = transactions.filter(transaction_id=params.text("transid"))
    transactions = transactions.order_by("id")
    start, limit = page(params)
    rows = [transaction_row(txn) for txn in transactions[start : start + limit]]
    return paged("transactions", "transaction", rows, total=transactions.count(), start=start)
