"""Property-based fuzzing of every API action: generated values (huge numbers, unicode, control
and XML-illegal characters, malformed PHP arrays) in any parameter, in JSON and XML. Whatever
comes in, the answer is WHMCS's envelope, parseable, never a 5xx; a refused call changes no row.

The admin's forms, lists and commands get the same values in test_hostile_input.
"""

import json
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.registry import ACTION_NAMES
from api.services import credential_create
from billing_admin.tests.snapshots import billing_state
from billing_admin.tests.test_hostile_input import NASTY

pytestmark = pytest.mark.django_db

# Every parameter any action reads, and PHP-array spellings, well formed and not.
PARAMETERS = [
    "clientid",
    "userid",
    "invoiceid",
    "transactionid",
    "email",
    "clientemail",
    "status",
    "search",
    "limitstart",
    "limitnum",
    "orderby",
    "sorting",
    "order",
    "stats",
    "amount",
    "type",
    "adminid",
    "description",
    "date",
    "duedate",
    "currency",
    "currencyid",
    "groupid",
    "paymentmethod",
    "gateway",
    "transid",
    "amountin",
    "amountout",
    "fees",
    "credit",
    "rate",
    "refundid",
    "firstname",
    "lastname",
    "companyname",
    "address1",
    "country",
    "phonenumber",
    "language",
    "taxexempt",
    "notes",
    "draft",
    "publish",
    "itemdescription1",
    "itemamount1",
    "itemdescription[1]",
    "itemamount[1]",
    "itemtaxed[1]",
    "newitemdescription[]",
    "newitemamount[]",
    "deletelineids[]",
    "deletelineids[x]",
    "deletelineids[][]",
    "itemamount[" + "9" * 5000 + "]",
    "newitemamount[0]",
    "idempotencykey",
]
CONTROL = "".join(chr(code) for code in range(1, 32)) + "\ufffe\uffff\u2028"
VALUES = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60),
    st.text(alphabet=CONTROL + "0123456789.-", max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.just("9" * 5000),
)
CALLS = st.dictionaries(
    st.sampled_from(PARAMETERS),
    st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3)),
    min_size=1,
    max_size=4,
)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def credential_and_secret(django_user_model):
    owner = django_user_model.objects.create_superuser("fuzz-owner", password="pw")
    return credential_create(
        name="Fuzz",
        user=owner,
        allowed_actions=ACTION_NAMES,
        allowed_ips=["127.0.0.1"],
        actor=None,
    )


def parsed(response) -> dict:
    """The answer's result and message, parsed as its content type says (parsing is the test)."""
    if response["Content-Type"].startswith("application/xml"):
        root = ElementTree.fromstring(response.content)
        return {"result": root.findtext("result"), "message": root.findtext("message")}
    return json.loads(response.content)


@FUZZ
@given(
    action=st.sampled_from(ACTION_NAMES),
    params=CALLS,
    responsetype=st.sampled_from(["json", "xml"]),
)
def test_every_api_action_answers_any_input_with_its_envelope(
    client, world, credential_and_secret, action, params, responsetype
):
    credential, secret = credential_and_secret
    base = {"clientid": world.client.pk, "userid": world.client.pk, "invoiceid": world.invoice.pk}
    data = {
        **base,
        **params,
        "identifier": credential.identifier,
        "secret": secret,
        "action": action,
        "responsetype": responsetype,
    }
    before = billing_state()

    response = client.post("/includes/api.php", data)

    assert response.status_code < 500, response.content[:300]
    answer = parsed(response)
    assert answer["result"] in ("success", "error")
    if answer["result"] == "error":
        assert answer["message"]
        assert billing_state() == before
