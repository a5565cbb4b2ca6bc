"""Every main staff page looks finished at 1280x800 and at 390x844 (phone), and its main button
can be reached with the keyboard. The flows check the pages they pass through; this covers the
rest and keeps one list of what each page must offer."""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from credits.services import add_credit
from e2e.pages import assert_looks_finished, assert_tab_reaches
from invoices.models import ClientService
from invoices.services import invoice_create, payment_record


@dataclass(frozen=True)
class StaffPage:
    name: str
    url_name: str
    button: str  # the accessible name of the page's main button or link
    by_client: bool = False
    by_invoice: bool = False
    query: str = ""

    def url(self, client, invoice) -> str:
        args = [client.pk] if self.by_client else [invoice.pk] if self.by_invoice else []
        return reverse(f"admin:{self.url_name}", args=args) + self.query


PAGES = [
    StaffPage("client list", "clients_client_changelist", "Add New Client"),
    StaffPage("add client", "clients_client_add", "Save"),
    StaffPage(
        "manage credits", "clients_client_credits", "Add Credit", by_client=True, query="?_popup=1"
    ),
    StaffPage(
        "add credit", "clients_client_add_credit", "Save Changes", by_client=True, query="?_popup=1"
    ),
    StaffPage("delete client", "clients_client_delete_client", "Confirm", by_client=True),
    StaffPage("close client", "clients_client_close", "Close", by_client=True),
    StaffPage("invoice list", "invoices_invoice_changelist", "Search"),
    StaffPage("client services", "invoices_clientservice_changelist", "Search"),
    StaffPage("credit log", "credits_creditentry_changelist", "Search"),
    StaffPage("invoice", "invoices_invoice_change", "Add Payment", by_invoice=True),
    StaffPage("create invoice", "invoices_invoice_add", "Create Invoice"),
    StaffPage("client summary", "clients_client_summary", "Delete Client", by_client=True),
    StaffPage("client profile", "clients_client_change", "Save Changes", by_client=True),
    StaffPage("transactions", "transactions_transaction_changelist", "Search"),
]


@pytest.fixture
def client_and_invoice():
    # A long email and address, as real ones are: boxes must wrap them, not spill them.
    client = ClientFactory(
        first_name="Frances",
        last_name="Allen",
        email="frances.allen.accounts@research.example.com",
        address1="Thomas J. Watson Research Center, 1101 Kitchawan Road",
        currency="USD",
    )
    add_credit(client_id=client.pk, amount="12.00", description="Goodwill", actor=None)
    ClientService.objects.create(
        client=client, product_name="Shared hosting", status=ClientService.Status.ACTIVE
    )
    items = [{"description": "Shared hosting, December", "amount": Decimal("40.00")}]
    paid = invoice_create(client_id=client.pk, items=items, actor=None)
    payment_record(invoice_id=paid.pk, gateway="banktransfer", transaction_id="T-1", actor=None)
    return client, invoice_create(client_id=client.pk, items=items, actor=None)


def check_page(page, staff_page: StaffPage, client, invoice) -> None:
    response = page.goto(staff_page.url(client, invoice))
    assert response.status == 200, f"{staff_page.name}: HTTP {response.status}"
    button = (
        page.get_by_role("button", name=staff_page.button)
        .or_(page.get_by_role("link", name=staff_page.button))
        .first
    )
    expect(button).to_be_visible()
    assert_looks_finished(page)
    assert_tab_reaches(page, button)


def test_main_pages_look_finished_and_their_buttons_are_reachable_by_keyboard(
    admin_page, client_and_invoice
):
    # One test for all pages (each live-server test pays for emptying the database), reporting
    # every page's problems rather than stopping at the first.
    problems = []
    for staff_page in PAGES:
        try:
            check_page(admin_page, staff_page, *client_and_invoice)
        except AssertionError as problem:
            problems.append(f"{staff_page.name}: {problem}")
    assert not problems, "\n".join(problems)
