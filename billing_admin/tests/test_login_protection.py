import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/?next=/admin/"


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user(
        "billing", "billing@example.com", "the right password", is_staff=True
    )


def attempt(client, password):
    return client.post(LOGIN_URL, {"username": "billing", "password": password})


def test_login_with_the_right_password_works(client, staff):
    response = attempt(client, "the right password")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_repeated_failures_lock_the_account_out_even_with_the_right_password(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt(client, "wrong")
        assert response.status_code == 200
        assert b"Please enter the correct username and password" in response.content
    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content

    after = attempt(client, "the right password")
    assert after.status_code == 429
    assert "_auth_user_id" not in client.session
    # Every failure is logged for staff to see in the admin.
    limit = settings.AXES_FAILURE_LIMIT
    assert AccessFailureLog.objects.filter(username="billing").count() >= limit
    assert AccessAttempt.objects.get(username="billing").failures_since_start >= limit


def test_a_success_before_the_limit_resets_the_failure_count(client, staff):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, "the right password").status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200
