"""Merging a duplicate client from its Summary, and importing clients from a CSV with a bad row."""

from playwright.sync_api import expect

from clients.models import Client, Contact
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from e2e.pages import PHONE, assert_looks_finished, save_screenshot
from merges.models import ClientMerge

HEADER = "First Name,Last Name,Email,Phone Number,Address 1,City,State,Postcode,Country"


def test_merge_a_duplicate_into_the_client_that_stays(admin_page):
    duplicate = ClientFactory(first_name="Grace", last_name="Hopper", email="g.hopper@old.example")
    keeper = ClientFactory(first_name="Grace", last_name="Hopper", email="grace@navy.example")
    add_credit(client_id=duplicate.pk, amount="7.50", description="Refund", actor=None)
    add_credit(client_id=keeper.pk, amount="2.50", description="Goodwill", actor=None)

    admin_page.goto(f"/admin/clients/client/{duplicate.pk}/summary/")
    admin_page.get_by_role("link", name="Merge Clients").click()
    admin_page.get_by_label("Merge into:").fill("grace@navy")
    admin_page.get_by_role("button", name="Search").click()
    admin_page.locator("#merge-results").get_by_role("link", name=f"#{keeper.pk}").click()

    expect(admin_page.locator("#merge-counts")).to_contain_text("Credit entries: 1")
    expect(admin_page.locator("#merge-counts")).to_contain_text("7.50 USD is added")
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "merge-clients-confirmation")
    admin_page.get_by_role("button", name=f"Yes, merge #{duplicate.pk} into #{keeper.pk}").click()

    expect(admin_page.locator(".messagelist")).to_contain_text(
        f"Client #{duplicate.pk} (Grace Hopper"
    )
    expect(admin_page).to_have_url(f"/admin/clients/client/{keeper.pk}/summary/")
    keeper.refresh_from_db()
    assert str(keeper.credit_balance) == "10.00"
    assert not Client.objects.filter(pk=duplicate.pk).exists()
    assert Contact.objects.filter(client=keeper, email="g.hopper@old.example").exists()
    assert ClientMerge.objects.get(source_id=duplicate.pk).target_id == keeper.pk

    # The old Summary URL leads to the client it became part of.
    admin_page.goto(f"/admin/clients/client/{duplicate.pk}/summary/")
    expect(admin_page).to_have_url(f"/admin/clients/client/{keeper.pk}/summary/")
    expect(admin_page.locator(".messagelist")).to_contain_text(
        f"Client #{duplicate.pk} was merged into client #{keeper.pk}"
    )


def test_import_with_a_bad_row_then_skip_it(admin_page, tmp_path):
    ClientFactory(email="taken@example.com")
    path = tmp_path / "clients.csv"
    path.write_text(
        f"{HEADER}\n"
        "Ada,Lovelace,ada@example.com,+44.20,1 Row,London,London,EC1,GB\n"
        "Taken,Person,taken@example.com,+44.21,2 Row,London,London,EC1,GB\n"
    )
    admin_page.goto("/admin/clients/client/")
    admin_page.get_by_role("link", name="Import CSV").click()
    admin_page.get_by_label("CSV file").set_input_files(str(path))
    admin_page.get_by_role("button", name="Upload and preview").click()

    problems = admin_page.locator("#import-problems")
    expect(problems).to_contain_text("line 3, Email: A client with this email address already")
    expect(admin_page.locator("#content")).to_contain_text("Nothing can be imported")
    expect(admin_page.get_by_role("button", name="Import 1 client")).to_have_count(0)
    # The preview shows how each column is read and the first rows, before anything is imported.
    expect(admin_page.locator("#import-mapping")).to_contain_text("Phone Number")
    expect(admin_page.locator("#import-preview")).to_contain_text("ada@example.com")
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "import-preview-with-problem")
    assert not Client.objects.filter(email="ada@example.com").exists()

    admin_page.get_by_role("link", name="Upload again").click()
    admin_page.get_by_label("CSV file").set_input_files(str(path))
    admin_page.get_by_label("Skip invalid rows").check()
    admin_page.get_by_role("button", name="Upload and preview").click()
    admin_page.get_by_role("button", name="Import 1 client").click()

    expect(admin_page.locator(".messagelist")).to_contain_text(
        "Imported clients.csv: 1 created, 0 updated, 1 rejected."
    )
    expect(admin_page.get_by_role("link", name="Download the rejected rows")).to_be_visible()
    assert Client.objects.filter(email="ada@example.com").exists()
    admin_page.set_viewport_size(PHONE)
    assert_looks_finished(admin_page)
    save_screenshot(admin_page, "import-result-phone")
