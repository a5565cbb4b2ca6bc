"""`make screenshots` keeps working: its walk through the demo data, into a scratch directory.

Nothing else runs e2e/screenshots.py, so a page change that breaks its walk would otherwise
only show when someone next retakes the README's pictures.
"""

import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command

from e2e import screenshots

README = Path(__file__).resolve().parent.parent / "README.md"


def test_make_screenshots_takes_every_picture_the_readme_shows(admin_page, tmp_path, monkeypatch):
    call_command("seed_demo", stdout=StringIO())
    client = screenshots.demo_client()
    monkeypatch.setattr(screenshots, "SCREENSHOTS", tmp_path)

    shots = screenshots.take_screenshots(admin_page, client)

    taken = {path.name for path in shots}
    assert all(path.parent == tmp_path and path.stat().st_size > 0 for path in shots)
    shown = set(re.findall(r"\]\(docs/screenshots/([\w.-]+)\)", README.read_text()))
    assert shown and shown <= taken, f"README pictures it does not take: {shown - taken}"
