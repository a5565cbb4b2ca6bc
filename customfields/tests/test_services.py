import pytest
from django.core.exceptions import ValidationError

from clients.models import Client, ClientEvent
from clients.tests.factories import ClientFactory, client_profile_data
from customfields.models import CustomField, CustomFieldValue, FieldType
from customfields.selectors import custom_field_values_for, personal_custom_field_values
from customfields.services import (
    MSG_DATE,
    MSG_HAS_VALUES,
    MSG_LINK,
    MSG_NUL,
    MSG_NUMBER,
    MSG_OPTION,
    MSG_OPTIONS_IN_USE,
    MSG_OPTIONS_REQUIRED,
    MSG_REQUIRED,
    MSG_SEARCH_TYPE,
    MSG_TICKBOX,
    MSG_TYPE_LOCKED,
    MSG_UNKNOWN_FIELD,
    clean_custom_field_value,
    client_create_with_custom_fields,
    client_set_custom_field_values,
    custom_field_create,
    custom_field_delete,
    custom_field_update,
    form_field_name,
)
from customfields.tests.factories import CustomFieldFactory, dropdown

pytestmark = pytest.mark.django_db


def _values(client) -> dict:
    return custom_field_values_for([client.pk]).get(client.pk, {})


@pytest.mark.parametrize(
    ("field_type", "raw", "stored"),
    [
        (FieldType.TEXT, "  VAT GB123  ", "VAT GB123"),
        (FieldType.TEXTAREA, "line 1\nline 2", "line 1\nline 2"),
        (FieldType.NUMBER, "0042", "42"),
        (FieldType.NUMBER, "-3.50", "-3.50"),
        (FieldType.DATE, "2026-02-28", "2026-02-28"),
        (FieldType.TICKBOX, "on", "on"),
        (FieldType.TICKBOX, "1", "on"),
        (FieldType.TICKBOX, "True", "on"),
        (FieldType.TICKBOX, "", ""),
        (FieldType.TICKBOX, "false", ""),
        (FieldType.LINK, "https://example.com/x", "https://example.com/x"),
        (FieldType.TEXT, "", ""),
    ],
)
def test_clean_custom_field_value_normalises_by_type(field_type, raw, stored):
    field = CustomField(name="F", field_type=field_type)
    assert clean_custom_field_value(field, raw) == stored


@pytest.mark.parametrize(
    ("field_type", "raw", "message"),
    [
        (FieldType.NUMBER, "12abc", MSG_NUMBER),
        (FieldType.NUMBER, "1e5", MSG_NUMBER),
        (FieldType.DATE, "2026-02-30", MSG_DATE),
        (FieldType.DATE, "28/02/2026", MSG_DATE),
        (FieldType.TICKBOX, "maybe", MSG_TICKBOX),
        (FieldType.LINK, "javascript:alert(1)", MSG_LINK),
        (FieldType.LINK, "example.com", MSG_LINK),
        (FieldType.TEXT, "a\x00b", MSG_NUL),
    ],
)
def test_clean_custom_field_value_refuses_wrong_type(field_type, raw, message):
    field = CustomField(name="F", field_type=field_type)
    with pytest.raises(ValidationError) as caught:
        clean_custom_field_value(field, raw)
    assert caught.value.messages == [message]


def test_clean_custom_field_value_refuses_an_unknown_option_and_a_long_text():
    plan = CustomField(name="Plan", field_type=FieldType.DROPDOWN, options="Gold, Silver")
    with pytest.raises(ValidationError) as caught:
        clean_custom_field_value(plan, "Platinum")
    assert caught.value.messages == [MSG_OPTION.format(options="Gold, Silver")]
    with pytest.raises(ValidationError):
        clean_custom_field_value(CustomField(field_type=FieldType.TEXT), "x" * 256)
    assert clean_custom_field_value(CustomField(field_type=FieldType.TEXTAREA), "x" * 10_000)
    with pytest.raises(ValidationError):
        clean_custom_field_value(CustomField(field_type=FieldType.TEXTAREA), "x" * 100_001)


def test_client_set_custom_field_values_writes_and_records_history(admin_user):
    client = ClientFactory()
    plan = dropdown()
    vat = CustomFieldFactory(name="VAT number")
    changed = client_set_custom_field_values(
        client_id=client.pk, values={plan.pk: "Gold", vat.pk: "GB1"}, actor=admin_user
    )
    assert sorted(changed) == sorted([plan.pk, vat.pk])
    assert _values(client) == {plan.pk: "Gold", vat.pk: "GB1"}
    client_set_custom_field_values(
        client_id=client.pk, values={plan.pk: "Silver", vat.pk: ""}, actor=admin_user
    )
    assert _values(client) == {plan.pk: "Silver"}
    events = ClientEvent.objects.filter(client=client).order_by("id")
    assert [(e.field, e.old_value, e.new_value, e.actor_label) for e in events] == [
        ("Plan", "", "Gold", "admin"),
        ("VAT number", "", "GB1", "admin"),
        ("Plan", "Gold", "Silver", "admin"),
        ("VAT number", "GB1", "", "admin"),
    ]
    # Unchanged values record nothing.
    assert (
        client_set_custom_field_values(
            client_id=client.pk, values={plan.pk: "Silver"}, actor=admin_user
        )
        == []
    )
    assert events.count() == 4


def test_client_set_custom_field_values_refuses_bad_input_and_changes_nothing(admin_user):
    client = ClientFactory()
    plan = dropdown(required=True)
    count = CustomFieldFactory(name="Seats", field_type=FieldType.NUMBER)
    client_set_custom_field_values(client_id=client.pk, values={plan.pk: "Gold"}, actor=None)
    before = ClientEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        client_set_custom_field_values(
            client_id=client.pk,
            values={plan.pk: "", count.pk: "many", 999_999: "x"},
            actor=admin_user,
        )
    errors = caught.value.message_dict
    assert errors[form_field_name(plan.pk)] == [MSG_REQUIRED.format(name="Plan")]
    assert errors[form_field_name(count.pk)] == [MSG_NUMBER]
    assert errors["customfields"] == [MSG_UNKNOWN_FIELD.format(field_id=999_999)]
    assert _values(client) == {plan.pk: "Gold"}
    assert ClientEvent.objects.count() == before


def test_client_create_with_custom_fields_requires_every_required_field(admin_user):
    plan = dropdown(required=True)
    optional = CustomFieldFactory()
    with pytest.raises(ValidationError) as caught:
        client_create_with_custom_fields(
            actor=admin_user, custom_field_values={optional.pk: "x"}, **client_profile_data()
        )
    assert caught.value.message_dict == {
        form_field_name(plan.pk): [MSG_REQUIRED.format(name="Plan")]
    }
    assert not Client.objects.exists()
    client = client_create_with_custom_fields(
        actor=admin_user, custom_field_values={plan.pk: "Bronze"}, **client_profile_data()
    )
    assert _values(client) == {plan.pk: "Bronze"}
    # The creation is the history entry; the values it came with are not listed as changes.
    assert list(client.events.values_list("kind", flat=True)) == [ClientEvent.Kind.CREATED]


def test_custom_field_create_checks_type_rules():
    with pytest.raises(ValidationError) as caught:
        custom_field_create(actor=None, name="Plan", field_type=FieldType.DROPDOWN, options=" , ")
    assert caught.value.message_dict["options"] == [MSG_OPTIONS_REQUIRED]
    with pytest.raises(ValidationError) as caught:
        custom_field_create(actor=None, name="Born", field_type=FieldType.DATE, searchable=True)
    assert caught.value.message_dict["searchable"] == [MSG_SEARCH_TYPE]
    with pytest.raises(ValidationError):
        custom_field_create(actor=None, name="A\x00", field_type=FieldType.TEXT)
    assert not CustomField.objects.exists()
    field = custom_field_create(
        actor=None, name="Newsletter", field_type=FieldType.TICKBOX, filterable=True, personal=True
    )
    assert field.personal and field.filterable


def test_custom_field_update_locks_type_and_used_options():
    client = ClientFactory()
    plan = dropdown()
    client_set_custom_field_values(client_id=client.pk, values={plan.pk: "Gold"}, actor=None)
    with pytest.raises(ValidationError) as caught:
        custom_field_update(field_id=plan.pk, actor=None, field_type=FieldType.TEXT)
    assert caught.value.message_dict["field_type"] == [MSG_TYPE_LOCKED.format(old="Drop down")]
    with pytest.raises(ValidationError) as caught:
        custom_field_update(field_id=plan.pk, actor=None, options="Silver,Bronze")
    assert caught.value.message_dict["options"] == [MSG_OPTIONS_IN_USE.format(options="Gold")]
    updated = custom_field_update(field_id=plan.pk, actor=None, options="Gold,Platinum")
    assert updated.option_list == ["Gold", "Platinum"]
    assert CustomField.objects.get(pk=plan.pk).field_type == FieldType.DROPDOWN


def test_custom_field_delete_refused_while_values_exist_unless_confirmed():
    clients = ClientFactory.create_batch(3)
    plan = dropdown()
    for client in clients:
        client_set_custom_field_values(client_id=client.pk, values={plan.pk: "Gold"}, actor=None)
    with pytest.raises(ValidationError) as caught:
        custom_field_delete(field_id=plan.pk, actor=None)
    assert caught.value.messages == [MSG_HAS_VALUES.format(count=3)]
    assert CustomFieldValue.objects.count() == 3
    assert custom_field_delete(field_id=plan.pk, actor=None, delete_values=True) == 3
    assert not CustomField.objects.exists() and not CustomFieldValue.objects.exists()
    unused = CustomFieldFactory()
    assert custom_field_delete(field_id=unused.pk, actor=None) == 0


def test_selectors_for_other_apps(django_assert_num_queries):
    first, second = ClientFactory.create_batch(2)
    email = CustomFieldFactory(name="Personal email", personal=True)
    plan = dropdown()
    client_set_custom_field_values(
        client_id=first.pk, values={email.pk: "me@home.example", plan.pk: "Gold"}, actor=None
    )
    with django_assert_num_queries(1):
        assert custom_field_values_for([first.pk, second.pk]) == {
            first.pk: {email.pk: "me@home.example", plan.pk: "Gold"}
        }
    assert [v.field_id for v in personal_custom_field_values(first)] == [email.pk]


def test_client_custom_fields_leaves_admin_only_fields_out_of_client_facing_output(
    django_assert_num_queries,
):
    from customfields.selectors import client_custom_fields

    client = ClientFactory()
    public = CustomFieldFactory(name="Account manager", sort_order=1)
    internal = CustomFieldFactory(name="Risk score", admin_only=True, sort_order=2)
    client_set_custom_field_values(
        client_id=client.pk, values={public.pk: "Sam", internal.pk: "high"}, actor=None
    )
    with django_assert_num_queries(1):
        staff_view = [(f.name, f.value) for f in client_custom_fields(client)]
    assert staff_view == [("Account manager", "Sam"), ("Risk score", "high")]
    client_view = client_custom_fields(client, include_admin_only=False)
    assert [(f.name, f.value) for f in client_view] == [("Account manager", "Sam")]


def test_deleting_a_client_removes_its_values_only():
    from clients.services import client_delete

    kept, deleted = ClientFactory.create_batch(2)
    plan = dropdown()
    for client in (kept, deleted):
        client_set_custom_field_values(client_id=client.pk, values={plan.pk: "Gold"}, actor=None)
    client_delete(client_id=deleted.pk, actor=None)
    assert list(CustomFieldValue.objects.values_list("client_id", flat=True)) == [kept.pk]
    assert CustomField.objects.filter(pk=plan.pk).exists()
