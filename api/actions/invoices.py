"""Invoice actions: CreateInvoice, GetInvoice, GetInvoices, UpdateInvoice, AddInvoicePayment."""

from django.core.exceptions import ValidationError

from api import selectors
from api.actions.lookups import client_id_param
from api.actions.transactions import AMOUNT_INVALID, transaction_row_of
from api.auth import require_owner_permissions
from api.protocol import (
    TRUE_VALUES,
    ApiError,
    Params,
    date_text,
    datetime_text,
    error_message,
    money,
    page,
    paged,
    parse_money,
    wrapped,
)
from billing_admin.money import ZERO
from billing_admin.parsing import parse_positive_int
from invoices import selectors as invoice_selectors
from invoices import services as invoice_services
from invoices.models import Invoice, invoice_number

INVOICE_ID_NOT_FOUND = "Invoice ID Not Found"
DRAFT_AND_SEND = (
    "Cannot create and send a draft invoice in a single API request. "
    "Please create and send separately."
)
INVALID_STATUS = "Invalid status {status}"
DATE_INVALID = "Date Format is not Valid"
ITEM_AMOUNT_INVALID = "Item amount must be in decimal format: ### or ###.##"
TRANSID_REQUIRED = "Transaction ID is required"
OVERDUE = "Overdue"
UPDATE_NOT_SUPPORTED = "UpdateInvoice does not support: {params}"
# Tax rates: invoices carry no tax yet; datepaid: payments set it.
UPDATE_INVOICE_UNSUPPORTED = frozenset({"taxrate", "taxrate2", "datepaid"})
MISSING_VARIABLES = "Missing Variables: {names}"
NEW_LINES_MISMATCH = "Each new line needs newitemdescription[] and newitemamount[]"
LINE_ID_INVALID = "Invalid line id {id}"
# An edited line needs all three (WHMCS: "Missing Variables").
LINE_PARTS = ("itemdescription", "itemamount", "itemtaxed")
ORDER_BY = {
    "id": "id",
    "invoicenumber": "id",
    "date": "date",
    "duedate": "due_date",
    "total": "total",
    "status": "status",
}
# The invoices service already speaks WHMCS where WHMCS documents a message.
SERVICE_ERRORS = {
    message: message
    for message in (
        invoice_services.CLIENT_NOT_FOUND,
        invoice_services.INVOICE_NOT_FOUND,
        invoice_services.PAYMENT_ON_CANCELLED,
        invoice_services.GATEWAY_REQUIRED,
        invoice_services.PUBLISH_NOT_DRAFT,
        invoice_services.NOT_UNPAID,
        invoice_services.EXCEEDS_CREDIT_BALANCE,
        invoice_services.EXCEEDS_INVOICE_BALANCE,
    )
}


def create_invoice(params: Params, *, actor) -> dict:
    client_id = client_id_param(params, "userid")
    draft = params.boolean("draft")
    if draft and params.boolean("sendinvoice"):
        raise ApiError(DRAFT_AND_SEND)
    status = Invoice.Status.DRAFT if draft else params.text("status") or Invoice.Status.UNPAID
    if status not in invoice_services.CREATABLE_STATUSES:
        raise ApiError(INVALID_STATUS.format(status=status))
    descriptions = params.numbered("itemdescription")
    amounts = params.numbered("itemamount")
    taxed = params.numbered("itemtaxed")
    items = [
        {
            "description": descriptions[number],
            "amount": parse_money(amounts.get(number, ""), invalid=ITEM_AMOUNT_INVALID) or ZERO,
            "taxed": taxed.get(number, "").lower() in TRUE_VALUES,
        }
        for number in sorted(descriptions)
    ]
    try:
        invoice = invoice_services.invoice_create(
            client_id=client_id,
            items=items,
            actor=actor,
            date=params.date("date", invalid=DATE_INVALID),
            due_date=params.date("duedate", invalid=DATE_INVALID),
            status=status,
            payment_method=params.text("paymentmethod"),
            notes=params.text("notes"),
            auto_apply_credit=params.boolean("autoapplycredit"),
        )
    except ValidationError as exc:
        raise ApiError(error_message(exc, SERVICE_ERRORS)) from None
    return {"invoiceid": invoice.pk, "status": invoice.status}


def get_invoice(params: Params, *, actor) -> dict:
    invoice_id = params.record_id("invoiceid", not_found=INVOICE_ID_NOT_FOUND)
    try:
        invoice = invoice_selectors.invoice_detail(invoice_id)
    except Invoice.DoesNotExist:
        raise ApiError(INVOICE_ID_NOT_FOUND) from None
    items = [
        {
            "id": item.pk,
            "type": "Hosting" if item.service_id else "",
            "relid": item.service_id or 0,
            "description": item.description,
            "amount": money(item.amount),
            "taxed": int(item.taxed),
        }
        for item in invoice.items.all()
    ]
    transactions = [transaction_row_of(txn) for txn in invoice.transactions.all()]
    return {
        "invoiceid": invoice.pk,
        "invoicenum": invoice.number,
        "userid": invoice.client_id,
        "date": date_text(invoice.date),
        "duedate": date_text(invoice.due_date),
        "datepaid": datetime_text(invoice.paid_at),
        "lastcaptureattempt": datetime_text(None),
        "subtotal": money(invoice.subtotal),
        "credit": money(invoice.credit_applied),
        "tax": money(invoice.tax),
        "tax2": money(0),
        "total": money(invoice.total),
        "balance": money(invoice.balance_due),
        "taxrate": "0.00",
        "taxrate2": "0.00",
        "status": invoice.status,
        "paymentmethod": invoice.payment_method,
        "notes": invoice.notes,
        "ccgateway": False,
        **wrapped("items", "item", items),
        # WHMCS answers an empty string, not an empty list, when there are no transactions.
        "transactions": {"transaction": transactions} if transactions else "",
    }


# GetInvoices' row: the columns it reads, then the answer built from them.
INVOICE_ROW_FIELDS = (
    "pk",
    "client_id",
    "billed_first_name",
    "billed_last_name",
    "billed_company",
    "date",
    "due_date",
    "paid_at",
    "subtotal",
    "credit_applied",
    "tax",
    "total",
    "status",
    "payment_method",
    "notes",
    "created_at",
    "updated_at",
    "currency",
)


def get_invoices(params: Params, *, actor) -> dict:
    status = params.text("status")
    invoices = selectors.invoice_list(
        client_id=client_id_param(params, "userid") if params.has("userid") else None,
        status=status,
        overdue=status == OVERDUE,
        order_field=ORDER_BY.get(params.text("orderby").lower(), "id"),
        descending=params.text("order").lower() == "desc",
    )
    start, limit = page(params)
    # Plain tuples of the columns shown: a 1,000-row page builds no model instances.
    found, total = selectors.page_of(
        invoices.values_list(*INVOICE_ROW_FIELDS), start=start, limit=limit
    )
    rows = [_invoice_row(*row) for row in found]
    return paged("invoices", "invoice", rows, total=total, start=start)


NO_TAX = money(0)


def _invoice_row(
    pk,
    client_id,
    first_name,
    last_name,
    company,
    date,
    due_date,
    paid_at,
    subtotal,
    credit_applied,
    tax,
    total,
    status,
    payment_method,
    notes,
    created_at,
    updated_at,
    currency,
) -> dict:
    """One row of INVOICE_ROW_FIELDS. The name is the identity the invoice was issued to (its
    snapshot), not the client as it is today."""
    return {
        "id": pk,
        "userid": client_id,
        "firstname": first_name,
        "lastname": last_name,
        "companyname": company,
        "invoicenum": invoice_number(pk),
        "date": date_text(date),
        "duedate": date_text(due_date),
        "datepaid": datetime_text(paid_at),
        "subtotal": money(subtotal),
        "credit": money(credit_applied),
        "tax": money(tax),
        "tax2": NO_TAX,
        "total": money(total),
        "taxrate": "0.00",
        "taxrate2": "0.00",
        "status": status,
        "paymentmethod": payment_method,
        "notes": notes,
        "created_at": datetime_text(created_at),
        "updated_at": datetime_text(updated_at),
        "currencycode": currency,
        "currencyprefix": "",
        "currencysuffix": f" {currency}",
    }


def update_invoice(params: Params, *, actor) -> dict:
    """Every change goes through invoices.services.invoice_update in one atomic call: lines,
    dates, notes, payment method, status, publish and the credit applied."""
    invoice_id = params.record_id("invoiceid", not_found=INVOICE_ID_NOT_FOUND)
    unsupported = sorted(key for key in params.keys() if key in UPDATE_INVOICE_UNSUPPORTED)
    if unsupported:
        raise ApiError(UPDATE_NOT_SUPPORTED.format(params=", ".join(unsupported)))
    status = params.text("status")
    if status and status not in Invoice.Status.values:
        raise ApiError(INVALID_STATUS.format(status=status))
    extra_permissions = {
        "invoices.cancel_invoice": status == Invoice.Status.CANCELLED,
        "invoices.apply_invoice_credit": params.has("credit"),
    }
    require_owner_permissions(
        actor,
        action="UpdateInvoice",
        permissions=[name for name, needed in extra_permissions.items() if needed],
    )
    try:
        invoice_services.invoice_update(
            invoice_id=invoice_id,
            actor=actor,
            status=status or None,
            date=params.date("date", invalid=DATE_INVALID),
            due_date=params.date("duedate", invalid=DATE_INVALID),
            notes=params.text("notes") if "notes" in params else None,
            payment_method=params.text("paymentmethod") or None,
            item_changes=_line_changes(params),
            new_items=_new_lines(params),
            delete_item_ids=_line_ids(params),
            credit=params.money("credit", invalid=AMOUNT_INVALID),
            publish=params.boolean("publish") or params.boolean("publishandsendemail"),
        )
    except ValidationError as exc:
        raise ApiError(error_message(exc, SERVICE_ERRORS)) from None
    return {"invoiceid": invoice_id}


def _line_changes(params: Params) -> dict[int, dict]:
    """itemdescription[id], itemamount[id], itemtaxed[id]: all three for every edited line."""
    parts = {name: params.numbered(name) for name in LINE_PARTS}
    line_ids = set().union(*parts.values())
    for line_id in sorted(line_ids):
        missing = [f"{name}[{line_id}]" for name in LINE_PARTS if line_id not in parts[name]]
        if missing:
            raise ApiError(MISSING_VARIABLES.format(names=", ".join(missing)))
    return {
        line_id: {
            "description": parts["itemdescription"][line_id],
            "amount": parse_money(parts["itemamount"][line_id], invalid=ITEM_AMOUNT_INVALID),
            "taxed": parts["itemtaxed"][line_id].lower() in TRUE_VALUES,
        }
        for line_id in line_ids
    }


def _line_ids(params: Params) -> list[int]:
    ids = []
    for value in params.listed("deletelineids"):
        line_id = parse_positive_int(value)
        if line_id is None:
            raise ApiError(LINE_ID_INVALID.format(id=value))
        ids.append(line_id)
    return ids


def _new_lines(params: Params) -> list[dict]:
    """newitemdescription[], newitemamount[], newitemtaxed[] (taxed optional), side by side."""
    descriptions = params.listed("newitemdescription")
    amounts = params.listed("newitemamount")
    taxed = params.listed("newitemtaxed")
    if len(amounts) != len(descriptions) or len(taxed) > len(descriptions):
        raise ApiError(NEW_LINES_MISMATCH)
    taxed += [""] * (len(descriptions) - len(taxed))
    return [
        {
            "description": description,
            "amount": parse_money(amount, invalid=ITEM_AMOUNT_INVALID) or ZERO,
            "taxed": flag.lower() in TRUE_VALUES,
        }
        for description, amount, flag in zip(descriptions, amounts, taxed, strict=True)
    ]


def add_invoice_payment(params: Params, *, actor) -> dict:
    invoice_id = params.record_id("invoiceid", not_found=INVOICE_ID_NOT_FOUND)
    if not params.has("transid"):
        raise ApiError(TRANSID_REQUIRED)
    try:
        invoice_services.payment_record(
            invoice_id=invoice_id,
            gateway=params.text("gateway"),
            amount=params.money("amount", invalid=AMOUNT_INVALID),
            fees=params.money("fees", invalid=AMOUNT_INVALID) or ZERO,
            transaction_id=params.text("transid"),
            date=params.moment("date", invalid=DATE_INVALID),
            actor=actor,
        )
    except ValidationError as exc:
        raise ApiError(error_message(exc, SERVICE_ERRORS)) from None
    return {}
