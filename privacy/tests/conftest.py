import pytest


@pytest.fixture
def staff_client(client, staff_in_group):
    """``staff_client("Support staff")``: the test client logged in as staff in that group (the
    root conftest's ``staff_in_group``), with the user at ``.user``."""

    def log_in(group: str):
        user = staff_in_group(group, username=group.split()[0].lower())
        client.force_login(user)
        client.user = user
        return client

    return log_in
