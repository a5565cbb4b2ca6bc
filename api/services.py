"""Writes for API credentials: create (the secret is returned once), revoke, record use."""

import hashlib
import ipaddress
import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from api.models import ApiCredential
from api.registry import ACTION_NAMES
from billing_admin.actors import actor_label

UNKNOWN_ACTIONS = "Unknown API actions: {actions}."
INVALID_IP = "Not an IP address or network: {value}."
OWNER_NOT_STAFF = "The owner must be an active staff user."
LAST_USED_PRECISION = timedelta(minutes=1)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def legacy_digest(secret: str) -> str:
    """Digest of md5(secret): what legacy clients send as ``password`` is md5 of the secret."""
    return secret_digest(hashlib.md5(secret.encode()).hexdigest())


def clean_ip_networks(values) -> list[str]:
    """Each entry as a normalised network ("10.0.0.1" -> "10.0.0.1/32"); bad entries refused."""
    cleaned = []
    for value in values:
        try:
            cleaned.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise ValidationError({"allowed_ips": INVALID_IP.format(value=value)}) from None
    return cleaned


def _clean_actions(actions) -> list[str]:
    unknown = sorted(set(actions) - set(ACTION_NAMES))
    if unknown:
        raise ValidationError(
            {"allowed_actions": UNKNOWN_ACTIONS.format(actions=", ".join(unknown))}
        )
    return sorted(set(actions))


@transaction.atomic
def credential_create(
    *, name: str, user, allowed_actions, allowed_ips, actor
) -> tuple[ApiCredential, str]:
    """Create a credential and return it with its secret, which is never stored or shown again."""
    if not (user.is_active and user.is_staff):
        raise ValidationError({"user": OWNER_NOT_STAFF})
    secret = secrets.token_urlsafe(32)
    credential = ApiCredential(
        name=name,
        user=user,
        identifier=secrets.token_urlsafe(24),
        secret_hash=secret_digest(secret),
        legacy_secret_hash=legacy_digest(secret),
        allowed_actions=_clean_actions(allowed_actions),
        allowed_ips=clean_ip_networks(allowed_ips),
        created_by=actor_label(actor),
    )
    credential.full_clean()
    credential.save()
    return credential, secret


@transaction.atomic
def credential_update(*, credential_id: int, name: str, allowed_actions, allowed_ips, actor):
    """Change what a credential may do and from where; its identifier and secret stay."""
    credential = ApiCredential.objects.select_for_update().get(pk=credential_id)
    credential.name = name
    credential.allowed_actions = _clean_actions(allowed_actions)
    credential.allowed_ips = clean_ip_networks(allowed_ips)
    credential.full_clean()
    credential.save(update_fields=["name", "allowed_actions", "allowed_ips"])
    return credential


def credentials_revoke(*, credential_ids, actor) -> int:
    """Revoke credentials for good (one UPDATE); returns how many were still live."""
    return ApiCredential.objects.filter(pk__in=credential_ids, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor_label(actor)
    )


def credential_record_use(*, credential: ApiCredential, ip: str | None) -> None:
    """Remember when and from where a credential was last used: one UPDATE, skipped when the
    same address used it within the last minute, so a busy script does not write every call."""
    now = timezone.now()
    recent = credential.last_used_at and now - credential.last_used_at < LAST_USED_PRECISION
    if recent and credential.last_used_ip == ip:
        return
    credential.last_used_at, credential.last_used_ip = now, ip
    ApiCredential.objects.filter(pk=credential.pk).update(last_used_at=now, last_used_ip=ip)
