"""What people see when a request fails for a reason that is not their input: the database is
unreachable, or a bug. Staff get a page that says what to do; API callers get WHMCS's envelope
(see api.views, which answers its own failures the same way)."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string

# A database that cannot be reached (server down, connection cut, failover) raises one of these.
# Every other database error is a bug or a lost race that its caller should have answered.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError)
SERVICE_UNAVAILABLE = 503
SERVER_ERROR = 500


def is_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE_ERRORS)


def server_error(request):
    """``handler500``: Django calls it inside its ``except`` block, so the exception is at hand.

    An unreachable database answers 503 with a page saying to retry (recovery is automatic: a
    broken connection is dropped at the end of the request and the next one reconnects). The
    page is rendered without the request, so no context processor touches the database again.
    """
    if is_unavailable(sys.exc_info()[1]):
        template, status = "errors/unavailable.html", SERVICE_UNAVAILABLE
    else:
        template, status = "errors/server_error.html", SERVER_ERROR
    if _is_api(request):
        from api.views import error_response  # the API's envelope; api sits above billing_admin

        return error_response(request, status=status)
    return HttpResponse(render_to_string(template), status=status)


def _is_api(request) -> bool:
    return request.path.endswith("api.php")
