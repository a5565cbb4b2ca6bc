"""Helpers for migrations: granting a model's permissions to a staff group, and changing an
index's storage parameter in place.

clients 0003 gave "Billing administrators" every billing permission that existed then; a model
added later needs its own grant, made with these.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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


def set_gin_pending_list_limit(model_name: str, index) -> migrations.SeparateDatabaseAndState:
    """An existing GIN ``index`` of ``model_name`` given the ``gin_pending_list_limit`` of its new
    definition: the storage parameter set in place, where Django would drop and rebuild the
    index (a minute at a million rows); the migration state takes the new definition."""
    name, kilobytes = index.name, index.gin_pending_list_limit
    return migrations.SeparateDatabaseAndState(
        database_operations=[
            migrations.RunSQL(
                f"ALTER INDEX {name} SET (gin_pending_list_limit = {kilobytes})",
                reverse_sql=f"ALTER INDEX {name} RESET (gin_pending_list_limit)",
            )
        ],
        state_operations=[
            migrations.RemoveIndex(model_name=model_name, name=name),
            migrations.AddIndex(model_name=model_name, index=index),
        ],
    )
