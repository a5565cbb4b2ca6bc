# The staff-role logins of the project-wide security tests.
from billing_admin.tests.conftest import login  # noqa: F401
