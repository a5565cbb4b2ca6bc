"""The Manage Credits popup at the size it opens (800x600): nothing overlaps, nothing is cut."""

import pytest
from playwright.sync_api import expect

from clients.tests.factories import ClientFactory
from credits.services import add_credit
from e2e.pages import save_screenshot

POPUP = {"width": 800, "height": 600}
TEXT_BOXES_JS = """h => {
  const range = document.createRange();
  range.selectNodeContents(h);
  return [...range.getClientRects()].map(r => ({x: r.x, y: r.y, width: r.width, height: r.height}));
}"""


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


@pytest.mark.parametrize(
    "path", ["credits/", "credits/add/", "credits/remove/"], ids=["log", "add", "remove"]
)
def test_manage_credits_popup_at_800x600_has_no_overlap(admin_page, path):
    # A long name, as companies have: the heading must wrap, not run under the buttons.
    customer = ClientFactory(
        first_name="Maximiliane", last_name="Wolkenstein-Rodenegg", company_name="Example"
    )
    add_credit(client_id=customer.pk, amount="5.00", description="Seed", actor=None)
    admin_page.set_viewport_size(POPUP)
    admin_page.goto(f"/admin/clients/client/{customer.pk}/{path}?_popup=1")

    heading = admin_page.locator("#content h1")
    expect(heading).to_contain_text("Wolkenstein-Rodenegg")
    # The boxes of the heading's text itself (one per line), not of the block around it.
    text_boxes = heading.evaluate(TEXT_BOXES_JS)
    assert text_boxes
    # The heading's text is all there: not clipped by its box nor by the window.
    assert heading.evaluate("h => h.scrollWidth <= h.clientWidth")
    assert all(0 <= box["x"] and box["x"] + box["width"] <= POPUP["width"] for box in text_boxes)
    controls = admin_page.locator(
        "#content .object-tools a, #content .submit-row input, #content .submit-row a, "
        "#content p, #content table"
    ).all()
    assert controls
    for control in controls:
        box = control.bounding_box()
        for text_box in text_boxes:
            assert not overlaps(text_box, box), f"{control} overlaps the heading"
        assert box["x"] + box["width"] <= POPUP["width"], f"{control} is cut off"
    save_screenshot(admin_page, f"manage-credits-800x600-{path.strip('/').replace('/', '-')}")
