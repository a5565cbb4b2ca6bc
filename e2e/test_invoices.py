"""Paying invoices from the invoice page: credit applied, then a payment recorded."""

from decimal import Decimal

from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from credits.models import CreditEntry
from credits.services import add_credit
from e2e.pages import save_screenshot
from invoices.models import Invoice
from invoices.services import invoice_create
from transactions.models import Transaction


def unpaid_invoice(*, credit: str | None = None) -> Invoice:
    client = ClientFactory(first_name="Barbara", last_name="Liskov", currency="USD")
    if credit:
        add_credit(client_id=client.pk, amount=credit, description="Prepayment", actor=None)
    return invoice_create(
        client_id=client.pk,
        items=[{"description": "Web hosting, December", "amount": Decimal("50.00")}],
        actor=None,
    )


def open_invoice_from_the_summary(page, invoice: Invoice):
    page.goto(f"/admin/clients/client/{invoice.client_id}/summary/")
    page.get_by_role("link", name="View Invoices").click()
    page.locator("#result_list").get_by_role("link", name=str(invoice.pk), exact=True).click()
    expect(page.get_by_role("heading", name=f"Invoice #{invoice.pk}").first).to_be_visible()


def form_section(page, heading: str):
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading))


def test_apply_credit_to_an_invoice(admin_page):
    invoice = unpaid_invoice(credit="30.00")
    open_invoice_from_the_summary(admin_page, invoice)
    apply_credit = form_section(admin_page, "Apply Credit")
    apply_credit.get_by_label("Amount").fill("20.00")
    apply_credit.get_by_role("button", name="Apply Credit").click()

    expect(admin_page.locator(".messagelist")).to_contain_text(
        f"Applied 20.00 credit to invoice #{invoice.pk}."
    )
    expect(admin_page.locator("#credit-applied")).to_have_text("20.00")
    expect(admin_page.locator("#balance-due")).to_have_text("30.00")
    expect(admin_page.locator("#invoice-status")).to_have_text("Unpaid")
    invoice.refresh_from_db()
    invoice.client.refresh_from_db()
    assert (invoice.credit_applied, invoice.client.credit_balance) == (
        Decimal("20.00"),
        Decimal("10.00"),
    )
    entry = invoice.credit_entries.get()
    assert (entry.kind, entry.amount) == (CreditEntry.Kind.APPLIED, Decimal("-20.00"))
    save_screenshot(admin_page, "invoice-apply-credit")


def test_record_a_payment_on_an_invoice(admin_page):
    invoice = unpaid_invoice()
    open_invoice_from_the_summary(admin_page, invoice)
    payment = form_section(admin_page, "Add Payment")
    payment.get_by_label("Payment method").select_option(index=1)
    payment.get_by_label("Transaction ID").fill("ch_3PzQ9")
    payment.get_by_label("Amount").fill("50.00")
    payment.get_by_role("button", name="Add Payment").click()

    expect(admin_page.locator(".messagelist")).to_contain_text(
        f"Recorded a payment of 50.00 on invoice #{invoice.pk}."
    )
    expect(admin_page.locator("#invoice-status")).to_have_text("Paid")
    expect(admin_page.locator("#balance-due")).to_have_text("0.00")
    expect(form_section(admin_page, "Transactions")).to_contain_text("ch_3PzQ9")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == (Invoice.Status.PAID, Decimal("50.00"))
    txn = Transaction.objects.get(invoice=invoice)
    assert (txn.transaction_id, txn.amount_in, txn.client_id) == (
        "ch_3PzQ9",
        Decimal("50.00"),
        invoice.client_id,
    )
    save_screenshot(admin_page, "invoice-record-payment")
