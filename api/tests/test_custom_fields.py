"""Custom client fields over the API: AddClient/UpdateClient ``customfields`` (base64 of a
PHP-serialised array keyed by field id, as WHMCS sends it) and GetClientsDetails' answer."""

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.phpserialize import decode_base64_php_array, php_unserialize_array
from api.tests.factories import add_client_params
from clients.models import Client, ClientEvent
from clients.tests.factories import ClientFactory
from customfields.models import CustomFieldValue, FieldType
from customfields.selectors import custom_field_values_for
from customfields.services import MSG_REQUIRED, client_set_custom_field_values
from customfields.tests.factories import CustomFieldFactory, dropdown

pytestmark = pytest.mark.django_db


def php_array(items: dict) -> str:
    """What PHP's base64_encode(serialize($array)) gives for a flat array of strings."""

    def scalar(value) -> str:
        if isinstance(value, int):
            return f"i:{value};"
        encoded = str(value).encode()
        return f's:{len(encoded)}:"{str(value)}";'

    body = "".join(scalar(key) + scalar(value) for key, value in items.items())
    return base64.b64encode(f"a:{len(items)}:{{{body}}}".encode()).decode()


def _values(client_id) -> dict:
    return custom_field_values_for([client_id]).get(client_id, {})


def test_add_client_with_customfields_and_read_them_back(call):
    plan = dropdown(sort_order=1)
    site = CustomFieldFactory(name="Website", field_type=FieldType.LINK, sort_order=2)
    unset = CustomFieldFactory(name="Notes", sort_order=3)
    answer = call(
        "AddClient",
        **add_client_params(
            customfields=php_array({plan.pk: "Gold", site.pk: "https://a.example"})
        ),
    )
    assert answer["result"] == "success", answer
    assert _values(answer["clientid"]) == {plan.pk: "Gold", site.pk: "https://a.example"}
    details = call("GetClientsDetails", clientid=answer["clientid"])["client"]
    assert details["customfields"] == [
        {"id": plan.pk, "value": "Gold"},
        {"id": site.pk, "value": "https://a.example"},
        {"id": unset.pk, "value": ""},
    ]
    assert (details["customfields1"], details["customfields2"], details["customfields3"]) == (
        "Gold",
        "https://a.example",
        "",
    )


def test_add_client_missing_a_required_field_is_refused_with_whmcs_wording(call):
    dropdown(required=True)
    answer = call("AddClient", **add_client_params())
    assert answer == {"result": "error", "message": MSG_REQUIRED.format(name="Plan")}
    assert not Client.objects.exists()


def test_update_client_sets_values_with_history_and_string_keys(call, credential):
    client = ClientFactory()
    plan = dropdown()
    seats = CustomFieldFactory(name="Seats", field_type=FieldType.NUMBER)
    answer = call(
        "UpdateClient",
        clientid=client.pk,
        # Some encoders write numeric keys as strings; the padding may be lost on a command line.
        customfields=php_array({str(plan.pk): "Silver", seats.pk: 12}).rstrip("="),
    )
    assert answer == {"result": "success", "clientid": str(client.pk)}
    assert _values(client.pk) == {plan.pk: "Silver", seats.pk: "12"}
    event = client.events.get(field=f"#{plan.pk} Plan")
    assert (event.old_value, event.new_value) == ("", "Silver")
    assert event.actor_label == f"API: {credential.identifier}"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"Plan": "Gold"}, "Custom field ID Plan does not exist."),
        ({999_999: "Gold"}, "Custom field ID 999999 does not exist."),
        (
            {"PLAN": "Platinum"},
            "Custom field Plan (ID {plan}): Choose one of: Gold, Silver, Bronze.",
        ),
        (
            {"SEATS": "many"},
            "Custom field Seats (ID {seats}): Enter a number, such as 42 or -3.75.",
        ),
    ],
)
def test_update_client_bad_customfields_change_nothing(call, values, message):
    client = ClientFactory(first_name="Ada")
    plan = dropdown()
    seats = CustomFieldFactory(name="Seats", field_type=FieldType.NUMBER)
    client_set_custom_field_values(client_id=client.pk, values={plan.pk: "Gold"}, actor=None)
    events = ClientEvent.objects.count()
    ids = {"PLAN": plan.pk, "SEATS": seats.pk}
    values = {ids.get(key, key): value for key, value in values.items()}
    answer = call(
        "UpdateClient", clientid=client.pk, firstname="Grace", customfields=php_array(values)
    )
    assert answer == {
        "result": "error",
        "message": message.format(plan=plan.pk, seats=seats.pk),
    }
    assert Client.objects.get(pk=client.pk).first_name == "Ada"
    assert _values(client.pk) == {plan.pk: "Gold"}
    assert ClientEvent.objects.count() == events


def test_update_client_is_one_service_call_all_or_nothing(call):
    """Profile, status, a note and the custom field values: a bad value keeps every one of them
    out (they are one service, ``client_edit_with_custom_fields``)."""
    client = ClientFactory(first_name="Ada")
    seats = CustomFieldFactory(name="Seats", field_type=FieldType.NUMBER)
    events = ClientEvent.objects.count()

    answer = call(
        "UpdateClient",
        clientid=client.pk,
        firstname="Grace",
        status="Inactive",
        notes="Called about seats",
        customfields=php_array({seats.pk: "many"}),
    )

    assert answer["result"] == "error"
    stored = Client.objects.get(pk=client.pk)
    assert (stored.first_name, stored.status) == ("Ada", Client.Status.ACTIVE)
    assert not stored.client_notes.exists()
    assert _values(client.pk) == {}
    assert ClientEvent.objects.count() == events

    answer = call(
        "UpdateClient",
        clientid=client.pk,
        firstname="Grace",
        status="Inactive",
        notes="Called about seats",
        customfields=php_array({seats.pk: "12"}),
    )

    assert answer == {"result": "success", "clientid": str(client.pk)}
    stored = Client.objects.get(pk=client.pk)
    assert (stored.first_name, stored.status) == ("Grace", Client.Status.INACTIVE)
    assert [note.text for note in stored.client_notes.all()] == ["Called about seats"]
    assert _values(client.pk) == {seats.pk: "12"}


@pytest.mark.parametrize(
    "customfields",
    [
        "not base64!",
        base64.b64encode(b'O:8:"stdClass":0:{}').decode(),
        base64.b64encode(b'a:1:{i:1;a:1:{i:0;s:1:"x";}}').decode(),
        base64.b64encode(b'a:1:{i:1;s:50:"short";}').decode(),
        base64.b64encode(b'a:2:{i:1;s:1:"x";}').decode(),
        base64.b64encode(b"\xff\xfe").decode(),
        base64.b64encode(b'{"1": "json"}').decode(),
    ],
)
def test_malformed_customfields_is_a_clear_error_not_a_500(call, customfields):
    client = ClientFactory()
    answer = call("UpdateClient", clientid=client.pk, customfields=customfields)
    assert answer["result"] == "error"
    assert answer["message"].startswith("Invalid customfields: send base64 of a PHP-serialised")
    assert not CustomFieldValue.objects.exists()


def test_customfields_with_a_nul_byte_is_refused(call):
    client = ClientFactory()
    field = CustomFieldFactory(name="Ref")
    answer = call("UpdateClient", clientid=client.pk, customfields=php_array({field.pk: "a\x00b"}))
    assert answer["result"] == "error"
    assert "NUL" in answer["message"]
    assert not CustomFieldValue.objects.exists()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=80))
def test_any_bytes_decode_to_a_dict_or_a_value_error(data):
    try:
        items = php_unserialize_array(data)
    except ValueError:
        return
    assert isinstance(items, dict)
    assert all(isinstance(key, int | str) for key in items)


@settings(max_examples=60)
@given(st.text(max_size=60))
def test_any_text_decodes_to_a_dict_or_a_value_error(text):
    try:
        assert isinstance(decode_base64_php_array(text), dict)
    except ValueError:
        pass


def test_get_clients_details_xml_lists_custom_fields(client, credential_and_secret):
    from xml.etree import ElementTree

    credential, secret = credential_and_secret
    customer = ClientFactory()
    plan = dropdown()
    client_set_custom_field_values(client_id=customer.pk, values={plan.pk: "Gold"}, actor=None)
    response = client.post(
        "/includes/api.php",
        {
            "identifier": credential.identifier,
            "secret": secret,
            "action": "GetClientsDetails",
            "clientid": customer.pk,
            "responsetype": "xml",
        },
    )
    root = ElementTree.fromstring(response.content)
    assert root.findtext("result") == "success"
    (field,) = root.findall("client/customfields")
    assert (field.findtext("id"), field.findtext("value")) == (str(plan.pk), "Gold")
    assert root.findtext("client/customfields1") == "Gold"
