"""Every URL of the project refuses anyone who is not logged-in, active staff.

The test walks the URL resolver, so a view added later is covered without anyone remembering to
add it here; only the few deliberately public URLs are listed, each with the reason.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# Patterns (as regex sources of the full route) that are public on purpose.
PUBLIC = {
    r"^$": "redirects to the admin index, which then asks for login",
    r"^admin/login/$": "the login form itself",
    r"^admin/logout/$": "logging out needs no login",
    r"^includes/api\.php$": "the WHMCS API: authenticated by its own credentials (api tests)",
    r"^api\.php$": "the WHMCS API: authenticated by its own credentials (api tests)",
}

PLACEHOLDERS = {"int": "1", "path": "1", "str": "1", "slug": "x", "uuid": "0" * 32}


def walk(resolvers, prefix=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + _source(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _source(entry.pattern)


def _source(pattern) -> str:
    regex = pattern.regex.pattern
    return regex[1:] if regex.startswith("^") else regex


def example_path(route_regex: str) -> str:
    """A concrete URL for a route regex: each group replaced by a plausible value."""
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", route_regex)
    path = re.sub(r"\((?!\?)[^)]*\)", "x", path)  # unnamed groups, e.g. app_label choices
    path = path.replace("\\.", ".").replace("\\Z", "").rstrip("$").lstrip("^")
    return "/" + path.replace("\\", "")


def project_routes() -> list[str]:
    routes = sorted({"^" + r for r in walk(get_resolver().url_patterns)})
    return [r for r in routes if r.replace("\\Z", "$") not in PUBLIC]


@pytest.fixture
def non_staff(django_user_model):
    return django_user_model.objects.create_user("customer", "c@example.com", "pw")


@pytest.fixture
def inactive_staff(django_user_model):
    return django_user_model.objects.create_user(
        "former", "f@example.com", "pw", is_staff=True, is_active=False
    )


def test_the_walk_finds_the_admin_and_app_urls():
    routes = project_routes()
    assert len(routes) > 20
    assert any("clients/client" in r for r in routes)


@pytest.mark.parametrize("route", project_routes())
def test_anonymous_users_are_sent_to_login(client, route):
    for response in (client.get(example_path(route)), client.post(example_path(route), {})):
        assert response.status_code == 302, route
        assert response["Location"].startswith("/admin/login/"), route


@pytest.mark.parametrize("route", project_routes())
def test_non_staff_and_inactive_users_are_refused(client, non_staff, inactive_staff, route):
    for user in (non_staff, inactive_staff):
        client.force_login(user)
        for response in (client.get(example_path(route)), client.post(example_path(route), {})):
            # The admin answers a logged-in non-staff user with its login page (302 to it).
            assert response.status_code == 302, route
            assert response["Location"].startswith("/admin/login/"), route
        client.logout()
