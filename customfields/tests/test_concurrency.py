import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from billing_admin.tests.threads import run_at_once
from clients.models import ClientEvent
from clients.tests.factories import ClientFactory
from customfields.models import CustomField, CustomFieldValue, FieldType
from customfields.services import clean_custom_field_value, client_set_custom_field_values
from customfields.tests.factories import dropdown


@pytest.mark.django_db(transaction=True)
def test_two_editors_setting_a_first_value_at_once_both_land_in_order():
    """Without the client row lock both would see no value and both insert: a unique-constraint
    error for one, and two history lines starting from ""."""
    client = ClientFactory()
    plan = dropdown()

    results = run_at_once(
        lambda: client_set_custom_field_values(
            client_id=client.pk, values={plan.pk: "Gold"}, actor=None
        ),
        lambda: client_set_custom_field_values(
            client_id=client.pk, values={plan.pk: "Silver"}, actor=None
        ),
    )

    assert results == [[plan.pk], [plan.pk]], results
    (stored,) = CustomFieldValue.objects.filter(client=client, field=plan)
    events = list(
        ClientEvent.objects.filter(client=client)
        .order_by("id")
        .values_list("old_value", "new_value")
    )
    assert events[0][0] == ""
    assert events[1][0] == events[0][1]
    assert stored.value == events[1][1]


@given(raw=st.text(max_size=300), field_type=st.sampled_from(FieldType.values))
def test_any_text_is_stored_or_refused_with_a_message(raw, field_type):
    field = CustomField(name="F", field_type=field_type, options="A, B")
    try:
        stored = clean_custom_field_value(field, raw)
    except ValidationError as exc:
        assert exc.messages
    else:
        assert "\x00" not in stored and stored == stored.strip()
