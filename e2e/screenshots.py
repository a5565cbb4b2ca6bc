"""`make screenshots`: README's pictures (docs/screenshots/*.png), taken in Chromium from demo data.

The development database is never touched: like the test suite (billing_admin.test_settings) the
script creates a throwaway database, migrates it, loads ``seed_demo``, serves it with Django's
live-server thread, clicks through the pages as staff would, and drops the database at the end.
"""

import os
from decimal import Decimal
from io import StringIO
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "billing_admin.test_settings")
# Playwright's sync API runs an event loop in this thread; the ORM calls here are deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.testcases import LiveServerThread  # noqa: E402
from django.test.utils import (  # noqa: E402
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from clients.models import Client  # noqa: E402
from e2e.browser import launch_chromium  # noqa: E402
from e2e.pages import DESKTOP, PASSWORD, PHONE, log_in  # noqa: E402
from invoices.services import invoice_create, payment_record  # noqa: E402

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
POPUP = {"width": 800, "height": 600}


def start_live_server() -> LiveServerThread:
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return server


def demo_client() -> Client:
    """A demo client with credit, given one paid invoice so every box has something to show."""
    client = (
        Client.objects.filter(status=Client.Status.ACTIVE, credit_entries__isnull=False)
        .order_by("pk")
        .first()
    )
    items = [{"description": "Shared hosting, December", "amount": Decimal("24.00")}]
    invoice = invoice_create(client_id=client.pk, items=items, actor=None)
    payment_record(
        invoice_id=invoice.pk, gateway="banktransfer", transaction_id="BT-20261124", actor=None
    )
    return client


def take_screenshots(page, client: Client) -> list[Path]:
    """Click through the demo data like staff and capture each page README shows."""
    shots = []

    def shoot(name, target=page):
        path = SCREENSHOTS / f"{name}.png"
        target.screenshot(path=path, full_page=True)
        shots.append(path)

    page.goto("/admin/customfields/customfield/")
    page.get_by_role("link", name="Support plan").click()
    expect(page.get_by_label("Drop-down options")).to_be_visible()
    shoot("custom-client-field")

    # The client list last before the Summary: the demo client is opened from it.
    page.goto("/admin/clients/client/")
    expect(page.locator("#result_list")).to_be_visible()
    shoot("client-list")

    page.locator("#result_list").get_by_role("link", name=client.full_name, exact=True).click()
    expect(page.locator(".quick-links")).to_be_visible()
    shoot("client-summary")
    page.set_viewport_size(PHONE)
    shoot("client-summary-phone")
    page.set_viewport_size(DESKTOP)

    tabs = page.get_by_role("navigation", name="Client pages")
    tabs.get_by_role("link", name="Transactions").click()
    expect(page.locator("#result_list")).to_be_visible()
    shoot("client-transactions")
    tabs.get_by_role("link", name="Summary").click()

    page.get_by_role("link", name="Add Contact", exact=True).click()
    expect(page.get_by_label("Receives invoice emails")).to_be_visible()
    shoot("add-contact")
    page.go_back()

    with page.expect_popup() as popup_opened:
        page.get_by_role("link", name="Manage Credits").click()
    popup = popup_opened.value
    popup.set_viewport_size(POPUP)  # the size the Quick Link opens the window at
    expect(popup.get_by_role("table", name="Credit log")).to_be_visible()
    shoot("manage-credits", popup)
    popup.close()

    page.get_by_role("link", name="Delete Client").click()
    expect(page.get_by_role("button", name="Confirm: delete this client")).to_be_visible()
    shoot("delete-client-confirmation")
    return shots


def main() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        call_command("seed_demo", stdout=StringIO())
        get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)
        # Before Playwright starts: ORM calls under its event loop would open a second connection.
        client = demo_client()
        server = start_live_server()
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                context = browser.new_context(
                    base_url=f"http://{server.host}:{server.port}", viewport=DESKTOP
                )
                page = context.new_page()
                log_in(page, "admin")
                for path in take_screenshots(page, client):
                    print(f"wrote {path.relative_to(SCREENSHOTS.parent.parent)}")
                browser.close()
        finally:
            server.terminate()
    finally:
        teardown_databases(databases, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
