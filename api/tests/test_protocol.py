"""The wire protocol: parsing, envelope, XML, authentication, IP allow-list, permissions."""

import hashlib
import json

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from api import protocol
from api.models import ApiCredential
from api.services import credential_create, credentials_revoke
from api.tests.conftest import TEST_CLIENT_IP
from api.tests.factories import add_client_params
from clients.models import Client
from clients.tests.factories import ClientFactory
from transactions.models import Transaction

pytestmark = pytest.mark.django_db

URL = "/includes/api.php"


def test_api_success_envelope_is_json_without_responsetype(call):
    ClientFactory()
    answer = call("GetClients")
    assert answer["result"] == "success"
    assert answer["totalresults"] == 1


def test_api_answers_on_the_short_path_too(client, credential_and_secret):
    credential, secret = credential_and_secret
    response = client.post(
        "/api.php",
        {"identifier": credential.identifier, "secret": secret, "action": "GetCurrencies"},
    )
    assert response.status_code == 200
    assert response.json()["currencies"]["currency"][0]["code"] == "USD"


def test_api_parses_form_body_whatever_the_content_type(client, credential_and_secret):
    credential, secret = credential_and_secret
    body = f"identifier={credential.identifier}&secret={secret}&action=GetCurrencies"
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["result"] == "success"


def test_api_action_is_case_insensitive(call):
    assert call("getcurrencies")["result"] == "success"
    assert call("GETCURRENCIES")["result"] == "success"


def test_api_action_may_come_in_the_query_string(client, credential_and_secret):
    credential, secret = credential_and_secret
    response = client.post(
        f"{URL}?action=GetCurrencies",
        {"username": credential.identifier, "password": secret},
    )
    assert response.status_code == 200
    assert response.json()["totalresults"] == 1


def test_api_xml_response_has_whmcsapi_root(client, credential_and_secret):
    ClientFactory(first_name="Grace")
    ClientFactory(first_name="Alan")
    credential, secret = credential_and_secret
    response = client.post(
        URL,
        {
            "identifier": credential.identifier,
            "secret": secret,
            "action": "GetClients",
            "responsetype": "xml",
        },
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    body = response.content.decode()
    assert "<whmcsapi><result>success</result>" in body
    assert body.count("<client>") == 2
    assert "<numreturned>2</numreturned>" in body


def test_api_xml_error(client):
    response = client.post(URL, {"action": "GetClients", "responsetype": "xml"})
    assert response.status_code == 403
    assert "<message>Authentication Failed</message>" in response.content.decode()


def test_api_get_is_refused_with_405(client, credential_and_secret):
    credential, secret = credential_and_secret
    response = client.get(
        URL, {"identifier": credential.identifier, "secret": secret, "action": "GetClients"}
    )
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["result"] == "error"


def test_api_unknown_action(call):
    assert call("NoSuchAction") == {"result": "error", "message": "Command Not Found"}


def test_api_missing_action_is_command_not_found(call):
    assert call("")["message"] == "Command Not Found"


@pytest.mark.parametrize(
    "auth",
    [
        {},
        {"identifier": "", "secret": ""},
        {"identifier": "nobody", "secret": "wrong"},
    ],
)
def test_api_authentication_failed(client, credential, auth):
    response = client.post(URL, {"action": "GetClients", **auth})
    assert response.status_code == 403
    assert response.json() == {"result": "error", "message": "Authentication Failed"}


def test_api_wrong_secret_fails(client, credential):
    response = client.post(
        URL, {"action": "GetClients", "identifier": credential.identifier, "secret": "nope"}
    )
    assert response.status_code == 403
    assert response.json()["message"] == "Authentication Failed"


def test_api_empty_auth_fields_are_ignored(client, credential_and_secret):
    """node-whmcs sends every auth field; the unset ones as empty strings."""
    credential, secret = credential_and_secret
    response = client.post(
        URL,
        {
            "action": "GetClients",
            "username": "",
            "password": "",
            "accesskey": "",
            "identifier": credential.identifier,
            "secret": secret,
        },
    )
    assert response.status_code == 200


def test_api_revoked_credential_fails(client, credential_and_secret):
    credential, secret = credential_and_secret
    assert credentials_revoke(credential_ids=[credential.pk], actor=None) == 1
    response = client.post(
        URL, {"action": "GetClients", "identifier": credential.identifier, "secret": secret}
    )
    assert response.status_code == 403
    assert response.json()["message"] == "Authentication Failed"


def test_api_credential_of_deactivated_owner_fails(client, credential_and_secret, api_owner):
    credential, secret = credential_and_secret
    api_owner.is_active = False
    api_owner.save()
    response = client.post(
        URL, {"action": "GetClients", "identifier": credential.identifier, "secret": secret}
    )
    assert response.status_code == 403


def test_api_action_not_allowed(client, api_owner):
    credential, secret = credential_create(
        name="read only",
        user=api_owner,
        allowed_actions=["GetClients"],
        allowed_ips=[TEST_CLIENT_IP],
        actor=None,
    )
    response = client.post(
        URL, {"action": "ADDCLIENT", "identifier": credential.identifier, "secret": secret}
    )
    assert response.status_code == 403
    assert response.json()["message"] == (
        'Invalid Permissions: API action "addclient" is not allowed'
    )


def test_api_ip_not_allowed(client, api_owner):
    credential, secret = credential_create(
        name="office",
        user=api_owner,
        allowed_actions=["GetClients"],
        allowed_ips=["10.0.0.0/8"],
        actor=None,
    )
    params = {"action": "GetClients", "identifier": credential.identifier, "secret": secret}
    response = client.post(URL, params)
    assert response.status_code == 403
    assert response.json()["message"] == "Invalid IP 127.0.0.1"
    assert client.post(URL, params, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_api_access_key_bypasses_the_ip_allow_list(client, api_owner, settings):
    settings.API_ACCESS_KEY = "k3y!@#"
    credential, secret = credential_create(
        name="roaming", user=api_owner, allowed_actions=["GetClients"], allowed_ips=[], actor=None
    )
    params = {"action": "GetClients", "identifier": credential.identifier, "secret": secret}
    assert client.post(URL, {**params, "accesskey": "wrong"}).status_code == 403
    assert client.post(URL, {**params, "accesskey": "k3y!@#"}).status_code == 200


def test_api_empty_access_key_setting_never_matches(client, api_owner, settings):
    settings.API_ACCESS_KEY = ""
    credential, secret = credential_create(
        name="roaming", user=api_owner, allowed_actions=["GetClients"], allowed_ips=[], actor=None
    )
    params = {"action": "GetClients", "identifier": credential.identifier, "secret": secret}
    assert client.post(URL, {**params, "accesskey": ""}).status_code == 403


def test_api_legacy_md5_password_only_when_allowed(client, credential_and_secret, settings):
    credential, secret = credential_and_secret
    params = {
        "action": "GetClients",
        "username": credential.user.username,
        "password": hashlib.md5(secret.encode()).hexdigest(),
    }
    settings.API_ALLOW_LEGACY_ADMIN_PASSWORD = False
    assert client.post(URL, params).status_code == 403
    settings.API_ALLOW_LEGACY_ADMIN_PASSWORD = True
    assert client.post(URL, params).status_code == 200
    by_identifier = {**params, "username": credential.identifier}
    assert client.post(URL, by_identifier).status_code == 200


def test_api_call_records_last_use(call, credential):
    call("GetClients")
    credential.refresh_from_db()
    assert credential.last_used_ip == TEST_CLIENT_IP
    assert timezone.now() - credential.last_used_at < timezone.timedelta(minutes=1)


def test_api_secret_is_stored_hashed(credential_and_secret):
    credential, secret = credential_and_secret
    stored = ApiCredential.objects.filter(pk=credential.pk).values().get()
    assert secret not in json.dumps(stored, default=str)
    assert credential.audit_label == f"API: {credential.identifier}"


def test_api_is_exempt_from_csrf(credential_and_secret):
    from django.test import Client

    credential, secret = credential_and_secret
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        URL, {"identifier": credential.identifier, "secret": secret, "action": "GetClients"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("limitstart", "limitnum", "start", "returned"),
    [
        ("99999999999999999999999", "5", 9223372036854775802, 0),
        ("0", "99999999999999999999999", 0, 2),
        ("-1", "abc", 0, 2),
        ("²", "²", 0, 2),
    ],
)
def test_api_paging_values_out_of_range_are_clamped(call, limitstart, limitnum, start, returned):
    ClientFactory.create_batch(2)
    answer = call("GetClients", limitstart=limitstart, limitnum=limitnum)
    assert (answer["result"], answer["startnumber"], answer["numreturned"]) == (
        "success",
        start,
        returned,
    )


def test_api_page_size_is_capped(call):
    ClientFactory.create_batch(3)
    answer = call("GetClients", limitnum=str(protocol.MAX_PAGE_SIZE + 1))
    assert answer["numreturned"] == 3


def test_api_unicode_digit_ids_are_not_found(call):
    assert call("GetClientsDetails", clientid="²")["message"] == "Client Not Found"
    assert call("AddClient", currency="²", firstname="x")["result"] == "error"


def test_api_non_utf8_body_is_an_error_not_a_crash(client, credential_and_secret):
    credential, secret = credential_and_secret
    body = f"identifier={credential.identifier}&secret={secret}&action=GetClients&search=%ff%fe"
    response = client.post(URL, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert response.json()["result"] == "success"


def test_api_nul_characters_are_refused(call):
    answer = call("AddClient", **add_client_params(firstname="Ada\x00"))
    assert answer == {"result": "error", "message": "Invalid characters in firstname"}
    assert call("GetClients", search="a\x00")["result"] == "error"
    assert not Client.objects.exists()


def test_api_nul_in_responsetype_answers_json(call):
    assert call("GetClients", responsetype="x\x00")["result"] == "success"


def test_api_broken_multipart_body_is_read_as_no_parameters(client):
    response = client.generic(
        "POST", URL, b"garbage", content_type="multipart/form-data; boundary=nope"
    )
    assert response.status_code == 403
    assert response.json()["message"] == "Authentication Failed"


def test_api_too_large_body_is_a_client_error(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = client.post(URL, "action=GetClients&pad=" + "x" * 200, content_type="text/plain")
    assert response.status_code == 400


def test_api_last_use_is_written_at_most_once_a_minute(call, credential):
    call("GetCurrencies")
    credential.refresh_from_db()
    first_use = credential.last_used_at
    call("GetCurrencies")
    credential.refresh_from_db()
    assert credential.last_used_at == first_use
    ApiCredential.objects.filter(pk=credential.pk).update(
        last_used_at=first_use - timezone.timedelta(minutes=2)
    )
    call("GetCurrencies")
    credential.refresh_from_db()
    assert credential.last_used_at > first_use


def _limited_owner_credential(django_user_model, *codenames):
    owner = django_user_model.objects.create_user("clerk", "clerk@example.com", "pw", is_staff=True)
    owner.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return credential_create(
        name="clerk's script",
        user=owner,
        allowed_actions=["GetClients", "AddClient", "UpdateClient", "AddTransaction"],
        allowed_ips=[TEST_CLIENT_IP],
        actor=None,
    )


def test_api_credential_never_exceeds_its_owners_permissions(client, django_user_model):
    credential, secret = _limited_owner_credential(
        django_user_model, "view_client", "change_client", "add_transaction"
    )
    auth = {"identifier": credential.identifier, "secret": secret}
    assert client.post(URL, {**auth, "action": "GetClients"}).status_code == 200
    response = client.post(URL, {**auth, "action": "AddClient", **add_client_params()})
    assert response.status_code == 403
    assert response.json()["message"] == (
        'Invalid Permissions: API action "addclient" is not allowed'
    )
    assert not Client.objects.exists()


def test_api_optional_flags_need_their_own_permissions(client, django_user_model):
    credential, secret = _limited_owner_credential(
        django_user_model, "view_client", "change_client", "add_transaction"
    )
    auth = {"identifier": credential.identifier, "secret": secret}
    customer = ClientFactory(first_name="Old")
    response = client.post(
        URL,
        {
            **auth,
            "action": "UpdateClient",
            "clientid": customer.pk,
            "firstname": "New",
            "status": "Closed",
        },
    )
    assert response.status_code == 403
    customer.refresh_from_db()
    assert (customer.first_name, customer.status) == ("Old", Client.Status.ACTIVE)
    response = client.post(
        URL, {**auth, "action": "UpdateClient", "clientid": customer.pk, "firstname": "New"}
    )
    assert response.json()["result"] == "success"
    response = client.post(
        URL,
        {
            **auth,
            "action": "AddTransaction",
            "userid": customer.pk,
            "paymentmethod": "paypal",
            "description": "Prepay",
            "amountin": "5",
            "credit": "1",
        },
    )
    assert response.status_code == 403
    assert not Transaction.objects.exists()
