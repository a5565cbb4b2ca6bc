from pathlib import Path

from django.conf import settings

from clients.models import Client

ROOT = Path(settings.BASE_DIR)


def test_templates_carry_no_inline_style_blocks():
    """Page styles live in billing_admin/admin.css, which every admin page loads."""
    templates = [path for path in ROOT.glob("**/templates/**/*.html") if ".venv" not in path.parts]
    assert templates
    assert [path for path in templates if "<style" in path.read_text()] == []


def test_every_status_has_its_badge_colour_in_the_stylesheet():
    css = (ROOT / "static" / "billing_admin" / "admin.css").read_text()
    for status in Client.Status.values:
        assert f".status-badge.status-{status} " in css
