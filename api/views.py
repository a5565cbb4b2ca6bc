"""POST /includes/api.php: one endpoint, the action named in the call (WHMCS's protocol)."""

import logging

from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from api.auth import authenticate, check_permission
from api.idempotency import call_once, idempotency_key, is_write_action
from api.protocol import ApiError, Params, render
from api.registry import find_action
from billing_admin.errors import SERVER_ERROR, SERVICE_UNAVAILABLE, UNAVAILABLE_ERRORS

POST_REQUIRED = "API calls must be sent with POST"
COMMAND_NOT_FOUND = "Command Not Found"
MALFORMED_BODY = "The request body could not be read as form data"
UNAVAILABLE = "The service is temporarily unavailable: please try again shortly"
UNEXPECTED = "An unexpected error occurred: the call was logged for the operators"

logger = logging.getLogger("api")


@csrf_exempt  # a machine-to-machine endpoint authenticated per call, never a browser form
def api_endpoint(request):
    """Always answers WHMCS's envelope, so WHMCS tooling can parse every answer: an outage is
    ``result=error`` with HTTP 503 (retry later), a bug ``result=error`` with HTTP 500."""
    try:
        params = Params(request)
    except MultiPartParserError:
        xml = request.GET.get("responsetype", "").lower() == "xml"
        return render({"result": "error", "message": MALFORMED_BODY}, xml=xml, status=400)
    xml = _wants_xml(params)
    if request.method != "POST":
        response = render({"result": "error", "message": POST_REQUIRED}, xml=xml, status=405)
        response["Allow"] = "POST"
        return response
    try:
        payload = _answer(request, params)
    except ApiError as exc:
        return render({"result": "error", "message": exc.message}, xml=xml, status=exc.status)
    except UNAVAILABLE_ERRORS:
        logger.warning("API call failed: database unavailable", exc_info=True)
        return _failure(SERVICE_UNAVAILABLE, xml=xml)
    except Exception:
        logger.exception("API call failed unexpectedly")
        return _failure(SERVER_ERROR, xml=xml)
    return render({"result": "success", **payload}, xml=xml)


def error_response(request, *, status: int):
    """The envelope for a failure outside the view (a middleware's), from billing_admin.errors."""
    try:
        xml = _wants_xml(Params(request))
    except Exception:  # the body is what failed: answer in the default format
        xml = False
    return _failure(status, xml=xml)


def _failure(status: int, *, xml: bool):
    message = UNAVAILABLE if status == SERVICE_UNAVAILABLE else UNEXPECTED
    return render({"result": "error", "message": message}, xml=xml, status=status)


def _answer(request, params: Params) -> dict:
    credential = authenticate(params, ip=request.META.get("REMOTE_ADDR", ""))
    sent_as = params.text("action")
    action = find_action(sent_as)
    if action is None:
        raise ApiError(COMMAND_NOT_FOUND)
    check_permission(
        credential, action=action.name, permissions=action.permissions, sent_as=sent_as
    )
    key = idempotency_key(request, params) if is_write_action(action.name) else None
    if key is None:
        return action.handler(params, actor=credential)
    return call_once(
        credential=credential,
        key=key,
        action=action.name,
        params=params,
        run=lambda: action.handler(params, actor=credential),
    )


def _wants_xml(params: Params) -> bool:
    try:
        return params.text("responsetype").lower() == "xml"
    except ApiError:  # an unreadable responsetype gets the default, JSON
        return False
