import pytest
from django.contrib.auth.models import Group


@pytest.fixture
def staff_client(client, django_user_model):
    """``staff_client("Support staff")``: the test client logged in as staff in that group."""

    def log_in(group: str):
        user = django_user_model.objects.create_user(
            group.split()[0].lower(), password="pw", is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        client.force_login(user)
        client.user = user
        return client

    return log_in
