"""Factories for API tests: form parameters for a valid AddClient call."""

import itertools

_numbers = itertools.count(1)


def add_client_params(**overrides) -> dict:
    number = next(_numbers)
    params = {
        "firstname": "Ada",
        "lastname": "Lovelace",
        "companyname": "Analytical Engines",
        "email": f"ada{number}@example.com",
        "address1": "12 St James's Square",
        "city": "London",
        "state": "Greater London",
        "postcode": "SW1Y 4JH",
        "country": "GB",
        "phonenumber": "+44.2079460000",
        "noemail": "true",
    }
    params.update(overrides)
    return params
