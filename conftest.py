"""Project-wide pytest fixtures."""

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
