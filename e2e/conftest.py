"""Browser fixtures: one Chromium per session, a fresh context (cookies, storage) per test.

The tests drive pytest-django's ``live_server`` (which implies ``transactional_db``): the server
thread commits for real, so a test reads results back with the ORM in its own connection.
"""

import os

import pytest
from playwright.sync_api import expect, sync_playwright

from e2e.browser import BrowserMissing, launch_chromium
from e2e.pages import ARTIFACTS, DESKTOP, PASSWORD, log_in_as, save_screenshot

# Playwright's sync API keeps an event loop running in the main thread; Django refuses ORM calls
# from such a thread unless told that this (test-only) use is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Failures show up in seconds, not after Playwright's 30 s default.
expect.set_options(timeout=10_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    playwright = sync_playwright().start()
    try:
        chromium = launch_chromium(playwright)
    except BrowserMissing as missing:
        playwright.stop()
        # CI must prove the flows in a browser: there a missing browser fails the run.
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(missing), pytrace=False)
        pytest.skip(str(missing))
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def page(request, browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    call_report = getattr(request.node, "report_call", None)
    failure_shot = f"FAILED-{request.node.name}"
    if call_report is not None and call_report.failed:
        save_screenshot(page, failure_shot)
    else:
        (ARTIFACTS / f"{failure_shot}.png").unlink(missing_ok=True)  # stale from an earlier run
    context.close()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("boss", "boss@example.com", PASSWORD)


@pytest.fixture
def admin_page(page, superuser, live_server):
    """A page whose browser context is logged in as a superuser."""
    log_in_as(page, superuser, live_server.url)
    return page
