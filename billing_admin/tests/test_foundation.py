import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from clients.models import Client

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)


def run_python(code: str, **env_overrides) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with the project settings and the given environment."""
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}}
    env.update(DJANGO_SETTINGS_MODULE="billing_admin.settings", **env_overrides)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )


SETUP = "import django; django.setup(); from django.conf import settings; "


def test_production_mode_without_secret_key_refuses_to_start_naming_the_variable(tmp_path):
    # An empty .env in a scratch cwd is not enough: settings read BASE_DIR/.env, so override
    # every variable it could set.
    result = run_python(SETUP, DEBUG="false", SECRET_KEY="", ALLOWED_HOSTS="example.com")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: SECRET_KEY must be set")


def test_production_mode_without_allowed_hosts_refuses_to_start():
    result = run_python(SETUP, DEBUG="false", SECRET_KEY="k" * 64, ALLOWED_HOSTS="")
    assert result.returncode == 1
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_mode_with_real_settings_starts_with_secure_defaults():
    result = run_python(
        SETUP + "print(settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)",
        DEBUG="false",
        SECRET_KEY="k" * 64,
        ALLOWED_HOSTS="billing.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000"]


def test_settings_parse_environment_values():
    result = run_python(
        SETUP + "print(settings.DEFAULT_CURRENCY, settings.TIME_ZONE, settings.ALLOWED_HOSTS)",
        DEBUG="true",
        DEFAULT_CURRENCY="eur",
        TIME_ZONE="Europe/London",
        ALLOWED_HOSTS="a.example,b.example",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "EUR Europe/London ['a.example', 'b.example']"


def test_database_is_postgresql_and_embedded_exactly_when_database_url_is_unset():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        version = int(cursor.fetchone()[0])
        cursor.execute("SHOW data_directory")
        data_directory = cursor.fetchone()[0]
    assert connection.vendor == "postgresql"
    embedded = str((BASE_DIR / ".pgdata").resolve())
    if os.environ.get("DATABASE_URL"):
        assert data_directory != embedded
    else:
        assert data_directory == embedded
        assert version // 10000 == 16  # pgserver's build


def test_admin_login_page_renders(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b'name="username"' in response.content


@pytest.mark.parametrize(
    "url", ["/admin/", "/admin/clients/client/", "/admin/clients/client/add/", "/admin/auth/user/"]
)
def test_anonymous_requests_to_admin_pages_redirect_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    count = Client.objects.count()
    assert count >= 24
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert Client.objects.count() == count


def test_ensure_admin_creates_the_superuser_once(monkeypatch, django_user_model):
    monkeypatch.setenv("ADMIN_PASSWORD", "correct horse battery")
    call_command("ensure_admin", stdout=open(os.devnull, "w"))
    call_command("ensure_admin", stdout=open(os.devnull, "w"))
    admin = django_user_model.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("correct horse battery")
    assert django_user_model.objects.count() == 1
