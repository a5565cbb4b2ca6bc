"""Who did it: every service takes an ``actor`` that is a staff user, an API credential or None.

Audit rows keep a foreign key to the user (when there is one) and a text label that survives the
user or credential being removed. An API credential is recognised by its ``audit_label`` and
``user`` attributes, so this module needs no import from the api app (dependencies point one way).
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

SYSTEM_LABEL = "system"


def actor_user(actor: Any) -> AbstractBaseUser | None:
    """The user to attribute a change to: the staff user, or the user owning an API credential."""
    if isinstance(actor, AbstractBaseUser):
        return actor
    return getattr(actor, "user", None)


def actor_label(actor: Any) -> str:
    """A readable, permanent name for who made a change."""
    if actor is None:
        return SYSTEM_LABEL
    if isinstance(actor, AbstractBaseUser):
        return actor.get_username()
    return actor.audit_label


def actor_fields(actor: Any) -> dict:
    """The two audit columns every audit row carries, ready for ``Model(**actor_fields(actor))``."""
    return {"actor_user": actor_user(actor), "actor_label": actor_label(actor)}
