"""POST /includes/api.php: one endpoint, the action named in the call (WHMCS's protocol)."""

from django.views.decorators.csrf import csrf_exempt

from api.auth import authenticate, check_permission
from api.protocol import ApiError, Params, render
from api.registry import find_action

POST_REQUIRED = "API calls must be sent with POST"
COMMAND_NOT_FOUND = "Command Not Found"


@csrf_exempt  # a machine-to-machine endpoint authenticated per call, never a browser form
def api_endpoint(request):
    params = Params(request)
    xml = _wants_xml(params)
    if request.method != "POST":
        response = render({"result": "error", "message": POST_REQUIRED}, xml=xml, status=405)
        response["Allow"] = "POST"
        return response
    try:
        credential = authenticate(params, ip=request.META.get("REMOTE_ADDR", ""))
        sent_as = params.text("action")
        action = find_action(sent_as)
        if action is None:
            raise ApiError(COMMAND_NOT_FOUND)
        check_permission(
            credential, action=action.name, permissions=action.permissions, sent_as=sent_as
        )
        payload = action.handler(params, actor=credential)
    except ApiError as exc:
        return render({"result": "error", "message": exc.message}, xml=xml, status=exc.status)
    return render({"result": "success", **payload}, xml=xml)


def _wants_xml(params: Params) -> bool:
    try:
        return params.text("responsetype").lower() == "xml"
    except ApiError:  # an unreadable responsetype gets the default, JSON
        return False
