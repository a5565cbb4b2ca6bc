"""Project-wide pytest fixtures."""

import itertools
import os

import pytest
from hypothesis import settings as hypothesis_settings

# CI must give the same answer for the same commit: the property tests draw the same examples
# every run there (locally they explore new ones each run, which is how they find bugs).
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture
def staff_user(django_user_model):
    """A logged-in-able staff user with no permissions at all."""
    return django_user_model.objects.create_user("staff", "staff@example.com", "pw", is_staff=True)


BILLING_ADMINISTRATORS = "Billing administrators"
SUPPORT_STAFF = "Support staff"


@pytest.fixture
def staff_in_group(django_user_model):
    """``staff_in_group("Support staff")`` -> a new staff user (password "pw") in that group, or
    in none for ``None``; the groups are the ones the migrations create."""
    from django.contrib.auth.models import Group

    created = itertools.count(1)

    def make(group: str | None, *, username: str | None = None):
        username = username or f"staff-in-group-{next(created)}"
        user = django_user_model.objects.create_user(
            username, f"{username}@example.com", "pw", is_staff=True
        )
        if group is not None:
            user.groups.add(Group.objects.get(name=group))
        return user

    return make


@pytest.fixture
def billing_client(client, staff_in_group):
    """The test client, logged in as a Billing administrator."""
    client.force_login(staff_in_group(BILLING_ADMINISTRATORS, username="billing"))
    return client


@pytest.fixture
def support_client(client, staff_in_group):
    """The test client, logged in as Support staff."""
    client.force_login(staff_in_group(SUPPORT_STAFF, username="support"))
    return client
