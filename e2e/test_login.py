"""Logging in and out through the real admin forms."""

from playwright.sync_api import expect

from e2e.pages import PASSWORD, assert_looks_finished, assert_tab_reaches, save_screenshot


def test_login_with_the_form_opens_client_management(page, superuser):
    page.goto("/")
    expect(page).to_have_url("/admin/login/?next=/admin/")
    assert_looks_finished(page)
    page.get_by_label("Username").fill(superuser.username)
    page.get_by_label("Password").fill(PASSWORD)
    assert_tab_reaches(page, page.get_by_role("button", name="Log in"))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Client management")).to_be_visible()
    expect(page.locator("#user-tools")).to_contain_text(f"Welcome, {superuser.username}")
    assert_looks_finished(page)
    save_screenshot(page, "login")


def test_login_with_a_wrong_password_says_so(page, superuser):
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(superuser.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()

    expect(page.locator(".errornote")).to_contain_text("Please enter the correct username")
    expect(page).to_have_url("/admin/login/")
    save_screenshot(page, "login-wrong-password")
