"""What the flows share: logging in, screenshots, and checks that a page looks finished."""

from pathlib import Path

from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PAGE_PROBLEMS_JS = (Path(__file__).parent / "page_problems.js").read_text()


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Through the real admin login form, the way staff do it."""
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("Welcome")


def log_in_as(page, user, base_url: str) -> None:
    """Give the browser a session for ``user`` without the form (test_login covers the form)."""
    django_client = Client()
    django_client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = django_client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}]
    )


def save_screenshot(page, name: str) -> Path:
    """The page as the user last saw it, kept under test-artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def page_problems(page) -> list[str]:
    return page.evaluate(PAGE_PROBLEMS_JS)


def assert_looks_finished(page) -> None:
    """No raw template text, no horizontal overflow, a label on every field: desktop and phone."""
    page.wait_for_load_state()
    problems = []
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        size = f"{viewport['width']}x{viewport['height']}"
        problems += [f"{page.url} at {size}: {problem}" for problem in page_problems(page)]
    page.set_viewport_size(DESKTOP)
    assert not problems, "\n".join(problems)


def assert_tab_reaches(page, target, max_presses: int = 250) -> None:
    """Pressing Tab, from wherever focus was and wrapping round, focuses ``target`` (a Locator)."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    handle = target.element_handle()
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if handle.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {target} within {max_presses} presses")
