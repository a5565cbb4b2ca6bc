"""Protocol classes that break WHMCS tooling if mishandled: XML no parser reads, and authentication
failures answered as something other than HTTP 403."""

from xml.etree import ElementTree

import pytest

from clients.services import client_note_add
from clients.tests.factories import ClientFactory
from credits.services import add_credit
from invoices.services import invoice_create

pytestmark = pytest.mark.django_db

URL = "/includes/api.php"
# Characters XML 1.0 forbids, one of each kind: C0 controls, vertical tab, U+FFFE, U+FFFF.
XML_ILLEGAL = "\x01\x08\x0b\x0c\x1f\ufffe\uffff"


@pytest.fixture
def xml_call(client, credential_and_secret):
    """``xml_call(action, **params)`` -> the parsed XML answer (parsing is the test)."""
    credential, secret = credential_and_secret

    def post(action, **params):
        data = {"identifier": credential.identifier, "secret": secret, "action": action}
        response = client.post(URL, {**data, **params, "responsetype": "xml"})
        assert response["Content-Type"].startswith("application/xml")
        return ElementTree.fromstring(response.content)

    return post


@pytest.fixture
def dirty_client():
    """A client, a credit entry and an invoice whose stored text holds XML-illegal characters."""
    customer = ClientFactory(company_name=f"Co{XML_ILLEGAL}")
    client_note_add(client_id=customer.pk, actor=None, text=f"note{XML_ILLEGAL}end")
    add_credit(client_id=customer.pk, amount="5.00", description=f"d{XML_ILLEGAL}", actor=None)
    invoice = invoice_create(
        client_id=customer.pk,
        items=[{"description": f"line{XML_ILLEGAL}", "amount": "9.00"}],
        notes=f"n{XML_ILLEGAL}",
        actor=None,
    )
    return customer, invoice


def test_every_xml_answer_parses_whatever_the_stored_text(xml_call, dirty_client):
    customer, invoice = dirty_client

    answers = [
        xml_call("GetClientsDetails", clientid=customer.pk, stats="true"),
        xml_call("GetClients"),
        xml_call("GetCredits", clientid=customer.pk),
        xml_call("GetInvoice", invoiceid=invoice.pk),
        xml_call("GetInvoices"),
    ]

    assert all(answer.findtext("result") == "success" for answer in answers)
    assert answers[0].find("client").findtext("notes") == "noteend"


def test_xml_errors_echoing_input_parse(xml_call, dirty_client):
    customer, _ = dirty_client

    answer = xml_call("UpdateClient", clientid=customer.pk, status=f"Bad{XML_ILLEGAL}")

    assert answer.findtext("result") == "error"
    assert answer.findtext("message") == "Invalid status Bad"


def test_json_answers_keep_the_characters(call, dirty_client):
    customer, _ = dirty_client

    assert call("GetClientsDetails", clientid=customer.pk)["client"]["notes"] == (
        f"note{XML_ILLEGAL}end"
    )


@pytest.mark.parametrize(
    ("names", "field"),
    [
        (("identifier", "secret"), "identifier"),
        (("identifier", "secret"), "secret"),
        (("username", "password"), "username"),
        (("username", "password"), "password"),
        (("identifier", "secret"), "accesskey"),
    ],
)
def test_an_unreadable_credential_field_is_403(client, credential_and_secret, names, field):
    credential, secret = credential_and_secret
    data = {names[0]: credential.identifier, names[1]: secret, "action": "GetClients"}

    response = client.post(URL, {**data, field: "x\x00y"})

    assert response.status_code == 403
    assert response.json() == {"result": "error", "message": "Authentication Failed"}
