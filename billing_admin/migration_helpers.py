"""Helpers for data migrations that grant a model's permissions to a staff group.

clients 0003 gave "Billing administrators" every billing permission that existed then; a model
added later needs its own grant, made with these.
"""

from django.contrib.auth.management import create_permissions

BILLING_ADMINISTRATORS = "Billing administrators"


def _permissions(apps, app_label: str, codenames: list[str]):
    # Permissions are normally created after all migrations (post_migrate); make them now.
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    return Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)


def grant_permissions(apps, *, group: str, app_label: str, codenames: list[str]) -> None:
    permissions = list(_permissions(apps, app_label, codenames))
    for staff_group in apps.get_model("auth", "Group").objects.filter(name=group):
        staff_group.permissions.add(*permissions)


def revoke_permissions(apps, *, group: str, app_label: str, codenames: list[str]) -> None:
    permissions = list(_permissions(apps, app_label, codenames))
    for staff_group in apps.get_model("auth", "Group").objects.filter(name=group):
        staff_group.permissions.remove(*permissions)
