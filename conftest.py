"""Project-wide pytest fixtures."""

import pytest


@pytest.fixture
def staff_user(django_user_model):
    """A logged-in-able staff user with no permissions at all."""
    return django_user_model.objects.create_user("staff", "staff@example.com", "pw", is_staff=True)
