"""The Transactions list fits a 1280 px screen, sidebar open, as the client list does."""

from decimal import Decimal

from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from e2e.pages import DESKTOP, assert_looks_finished, save_screenshot
from invoices.services import invoice_create, payment_record
from transactions.tests.factories import make_transaction


def test_transactions_list_fits_1280px_without_sideways_scrolling(admin_page):
    # Realistic rows: a long client name and company, a gateway reference, a description.
    client = ClientFactory(
        first_name="Bartholomew",
        last_name="Featherstonehaugh",
        company_name="Featherstonehaugh Consolidated Hosting Ltd",
        email="bartholomew.featherstonehaugh@consolidated.example.com",
    )
    invoice = invoice_create(
        client_id=client.pk,
        items=[{"description": "Dedicated server", "amount": Decimal("1234.56")}],
        actor=None,
    )
    payment_record(
        invoice_id=invoice.pk,
        gateway="banktransfer",
        transaction_id="BT-2026-12-05-000123456",
        actor=None,
    )
    make_transaction(
        client=client,
        gateway="paypal",
        transaction_id="PAYID-M5XQ3ZA8JK123456L",
        description="Prepayment for the next year of hosting and domains",
        amount_in=Decimal("99999.99"),
        fees=Decimal("-3.45"),
    )
    admin_page.set_viewport_size(DESKTOP)
    admin_page.goto("/admin/transactions/transaction/")
    expect(admin_page.locator("#result_list tbody tr")).to_have_count(2)

    results = admin_page.locator("#changelist .results")
    assert results.evaluate("box => box.scrollWidth <= box.clientWidth"), (
        "the Transactions table is wider than its box: "
        + str(results.evaluate("box => [box.scrollWidth, box.clientWidth]"))
    )
    # Every column is on screen, the last one included, and the row still says everything:
    # the currency, the invoice and who recorded it.
    last_header = admin_page.locator("#result_list thead th").last.bounding_box()
    assert last_header["x"] + last_header["width"] <= DESKTOP["width"] - 240  # the filters
    payment = admin_page.locator("#result_list tbody tr", has_text="BT-2026-12-05-000123456")
    expect(payment).to_contain_text("1234.56 USD")
    expect(payment).to_contain_text("Bank Transfer")
    expect(payment).to_contain_text(f"Invoice #{invoice.number}")
    expect(payment).to_contain_text("by system")
    expect(admin_page.locator("#result_list tbody tr", has_text="PAYID")).to_contain_text(
        "fees -3.45"
    )
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "transactions-list-1280")
