"""`make screenshots`: README's pictures (docs/screenshots/*.png), taken in Chromium from demo data.

The development database is never touched: like the test suite (billing_admin.test_settings) the
script creates a throwaway database, migrates it, loads ``seed_demo``, serves it with Django's
live-server thread, clicks through the pages as staff would, and drops the database at the end.
"""

import os
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
from playwright.sync_api import sync_playwright  # noqa: E402

from e2e.browser import launch_chromium  # noqa: E402
from e2e.pages import DESKTOP, PASSWORD, log_in  # noqa: E402

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def start_live_server() -> LiveServerThread:
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return server


def take_screenshots(page) -> list[Path]:
    """Click through the demo data and capture each page README shows."""
    shots = []

    def shoot(name, target=page):
        path = SCREENSHOTS / f"{name}.png"
        target.screenshot(path=path)
        shots.append(path)

    page.goto("/admin/clients/client/")
    shoot("client-list")
    return shots


def main() -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        call_command("seed_demo", stdout=StringIO())
        get_user_model().objects.create_superuser("admin", "admin@example.com", PASSWORD)
        server = start_live_server()
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                context = browser.new_context(
                    base_url=f"http://{server.host}:{server.port}", viewport=DESKTOP
                )
                page = context.new_page()
                log_in(page, "admin")
                for path in take_screenshots(page):
                    print(f"wrote {path.relative_to(SCREENSHOTS.parent.parent)}")
                browser.close()
        finally:
            server.terminate()
    finally:
        teardown_databases(databases, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
