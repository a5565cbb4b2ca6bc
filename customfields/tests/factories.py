"""Factories for custom field definitions. Values are set through the real service."""

import factory

from customfields.models import CustomField, FieldType


class CustomFieldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomField

    name = factory.Sequence(lambda n: f"Field {n}")
    field_type = FieldType.TEXT


def dropdown(**kwargs) -> CustomField:
    return CustomFieldFactory(
        name=kwargs.pop("name", "Plan"),
        field_type=FieldType.DROPDOWN,
        options=kwargs.pop("options", "Gold,Silver,Bronze"),
        **kwargs,
    )
