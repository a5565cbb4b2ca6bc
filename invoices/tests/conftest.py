"""The API's fixtures (a credential allowed every action, ``call`` posting to the endpoint), for
the invoice history tests that make their changes over the API."""

from api.tests.conftest import api_owner, call, credential, credential_and_secret  # noqa: F401
