"""Factories for credits tests. Credit state is never faked: build it with credits.services."""

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from clients.tests.factories import ClientFactory

__all__ = ["ClientFactory", "StaffUserFactory"]


class StaffUserFactory(factory.django.DjangoModelFactory):
    """A staff user. ``groups=["Support staff"]`` puts it in those groups (made by the clients
    migrations); ``permissions=["clients.manage_client_credit", ...]`` grants those directly."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    is_staff = True
    password = factory.django.Password("pw")

    @factory.post_generation
    def permissions(user, create, extracted, **kwargs):
        for dotted in extracted or ():
            app_label, codename = dotted.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )

    @factory.post_generation
    def groups(user, create, extracted, **kwargs):
        for name in extracted or ():
            user.groups.add(Group.objects.get(name=name))
