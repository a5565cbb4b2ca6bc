"""The page checks used by every flow catch what they claim to catch (no live server needed)."""

import pytest

from e2e.pages import PHONE, assert_tab_reaches, page_problems

FINISHED = """
<label for="q">Search</label><input id="q" name="q">
<label>Amount <input name="amount"></label>
<input type="checkbox" name="pick" aria-label="Select client 1">
<input type="hidden" name="csrfmiddlewaretoken"><button type="submit">Save</button>
"""


@pytest.fixture
def blank_page(browser):
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


def test_a_finished_page_has_no_problems(blank_page):
    blank_page.set_content(FINISHED)
    assert page_problems(blank_page) == []


@pytest.mark.parametrize(
    "html, problem",
    [
        ("<p>Balance: {{ client.credit_balance }}</p>", "raw template text {{"),
        ("<p>{% trans 'Save' %}</p>", "raw template text {%"),
        ("<table id='wide' style='width:900px'><tr><td>x</td></tr></table>", "table#wide"),
        (
            "<div style='display:flex'><section class='module' id='info' style='width:8em'>"
            "<table><tr><td>an.unbreakably.long.address@example.com</td></tr></table>"
            "</section><section class='module'>next box</section></div>",
            "a table runs out of its box: section#info.module",
        ),
        ("<input name='amount'>", 'field without a label: <input name="amount">'),
        ("<label for='x'></label><select id='x' name='status'></select>", 'name="status"'),
    ],
)
def test_each_kind_of_unfinished_page_is_reported(blank_page, html, problem):
    blank_page.set_content(FINISHED + html)
    problems = page_problems(blank_page)
    assert len(problems) == 1 and problem in problems[0], problems


def test_tab_reaches_a_button_before_the_focused_field(blank_page):
    blank_page.set_content(FINISHED)
    blank_page.get_by_label("Amount").focus()
    assert_tab_reaches(blank_page, blank_page.get_by_label("Search"))


def test_a_button_out_of_the_tab_order_is_reported(blank_page):
    blank_page.set_content(FINISHED + "<button tabindex='-1'>Delete</button>")
    with pytest.raises(AssertionError, match="Tab never reached"):
        assert_tab_reaches(blank_page, blank_page.get_by_role("button", name="Delete"), 20)
