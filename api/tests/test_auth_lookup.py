"""live_credential: the credential and its owner in one raw query, the same instances the ORM
loads."""

import pytest
from django.forms.models import model_to_dict

from api.auth import live_credential
from api.models import ApiCredential
from api.services import credentials_revoke

pytestmark = pytest.mark.django_db


def test_live_credential_loads_what_the_orm_loads_in_one_query(
    credential, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = live_credential(credential.identifier)
        owner = found.user  # loaded with it
    expected = ApiCredential.objects.select_related("user").get(pk=credential.pk)
    assert found == expected
    fields = [field.attname for field in ApiCredential._meta.concrete_fields]
    assert {name: getattr(found, name) for name in fields} == {
        name: getattr(expected, name) for name in fields
    }
    assert model_to_dict(owner) == model_to_dict(expected.user)
    assert owner.last_login == expected.user.last_login
    assert owner.date_joined == expected.user.date_joined
    assert found._state.adding is False and found._state.db == "default"


def test_live_credential_is_none_for_an_unknown_or_revoked_identifier(credential):
    assert live_credential("no-such-identifier") is None
    credentials_revoke(credential_ids=[credential.pk], actor=None)
    assert live_credential(credential.identifier) is None
