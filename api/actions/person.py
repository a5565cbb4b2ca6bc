"""The person fields a client and a contact share, as WHMCS's client and contact calls name
them."""

from api.protocol import Params

# WHMCS parameter -> field, for the text fields of a person: a client's and a contact's.
PERSON_PARAMS = {
    "firstname": "first_name",
    "lastname": "last_name",
    "companyname": "company_name",
    "email": "email",
    "address1": "address1",
    "address2": "address2",
    "city": "city",
    "state": "state",
    "postcode": "postcode",
    "country": "country",
    "phonenumber": "phone_number",
}


def person_fields(params: Params) -> dict:
    """The person's text fields the call sets (a client's or a contact's): only parameters
    actually sent are changed."""
    fields = {
        field: params.text(param) for param, field in PERSON_PARAMS.items() if param in params
    }
    if "country" in fields:
        fields["country"] = fields["country"].upper()
    return fields
