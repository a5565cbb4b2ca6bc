"""Who is calling: credentials, the IP allow-list, the access key and per-action permission."""

import hmac
import ipaddress

from django.conf import settings
from django.db import connections
from django.db.models import Q

from api.models import ApiCredential
from api.protocol import ApiError, Params
from api.services import credential_record_use, secret_digest
from billing_admin.prepared import execute_prepared

AUTHENTICATION_FAILED = "Authentication Failed"
INVALID_IP = "Invalid IP {ip}"
ACTION_NOT_ALLOWED = 'Invalid Permissions: API action "{action}" is not allowed'
FORBIDDEN = 403


def authenticate(params: Params, *, ip: str) -> ApiCredential:
    """The live credential the call proves it holds, allowed to call from ``ip``.

    The credential comes in ``identifier``/``secret`` or in ``username``/``password``; empty
    fields count as absent (node-whmcs sends every field, unset ones empty). With
    ``API_ALLOW_LEGACY_ADMIN_PASSWORD`` the password may instead be md5(secret), and the
    username the owner's username.
    """
    identifier = _credential_text(params, "identifier") or _credential_text(params, "username")
    secret = _credential_text(params, "secret") or _credential_text(params, "password")
    if not identifier or not secret:
        raise ApiError(AUTHENTICATION_FAILED, status=FORBIDDEN)
    credential = _match(identifier, secret)
    if credential is None:
        raise ApiError(AUTHENTICATION_FAILED, status=FORBIDDEN)
    if not _access_key_ok(_credential_text(params, "accesskey")) and not ip_allowed(credential, ip):
        raise ApiError(INVALID_IP.format(ip=ip), status=FORBIDDEN)
    credential_record_use(credential=credential, ip=ip or None)
    return credential


def _credential_text(params: Params, name: str) -> str:
    """A credential field; one that cannot be read (a NUL in it) proves nothing, so it fails
    authentication like a wrong secret does: HTTP 403, as every authentication failure."""
    try:
        return params.text(name)
    except ApiError:
        raise ApiError(AUTHENTICATION_FAILED, status=FORBIDDEN) from None


def check_permission(credential: ApiCredential, *, action: str, permissions, sent_as: str) -> None:
    """The credential's role must list the action and its owner hold ``permissions``."""
    if action not in credential.allowed_actions:
        raise action_not_allowed(sent_as)
    require_owner_permissions(credential, action=sent_as, permissions=permissions)


def require_owner_permissions(credential: ApiCredential, *, action: str, permissions) -> None:
    """Refuse what the credential's owner could not do in the admin (also used by actions
    whose optional flags need more, e.g. UpdateClient's ``status``)."""
    if not credential.user.has_perms(permissions):
        raise action_not_allowed(action)


def action_not_allowed(action: str) -> ApiError:
    """The refusal of an action (or of one of its options) the credential may not use."""
    return ApiError(ACTION_NOT_ALLOWED.format(action=action.lower()), status=FORBIDDEN)


def ip_allowed(credential: ApiCredential, ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in credential.allowed_ips)


class _LiveCredentialQuery:
    """The SQL of ``live_credential`` for one database, built once: the live credential with
    an identifier (%s) joined to its owner, every column named from the models' ``_meta``; and
    what turns its row into the two instances (fields in the order selected, converters)."""

    def __init__(self, connection):
        quote = connection.ops.quote_name
        meta = ApiCredential._meta
        owner = meta.get_field("user")
        self.owner_model = owner.related_model
        self.fields = list(meta.concrete_fields)
        self.owner_fields = list(self.owner_model._meta.concrete_fields)
        columns = [f"c.{quote(field.column)}" for field in self.fields] + [
            f"o.{quote(field.column)}" for field in self.owner_fields
        ]
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {quote(meta.db_table)} c"
            f" JOIN {quote(self.owner_model._meta.db_table)} o"
            f" ON o.{quote(self.owner_model._meta.pk.column)} = c.{quote(owner.column)}"
            f" WHERE c.{quote(meta.get_field('identifier').column)} = %s"
            f" AND c.{quote(meta.get_field('revoked_at').column)} IS NULL"
        )
        compiler = ApiCredential.objects.none().query.get_compiler(connection=connection)
        self.converters = list(
            compiler.get_converters(
                [
                    field.get_col(field.model._meta.db_table)
                    for field in self.fields + self.owner_fields
                ]
            ).items()
        )

    def instance(self, connection, row) -> ApiCredential:
        """The credential, its owner attached, from a row (the database converters applied with
        the calling thread's ``connection``, as the ORM applies them)."""
        row = list(row)
        for position, (converters, expression) in self.converters:
            for converter in converters:
                row[position] = converter(row[position], expression, connection)
        split = len(self.fields)
        credential = ApiCredential.from_db(
            connection.alias, [field.attname for field in self.fields], row[:split]
        )
        credential.user = self.owner_model.from_db(
            connection.alias, [field.attname for field in self.owner_fields], row[split:]
        )
        return credential


_LIVE_CREDENTIAL_QUERIES: dict[str, _LiveCredentialQuery] = {}


def live_credential(identifier: str) -> ApiCredential | None:
    """The live (unrevoked) credential with ``identifier``, its owner loaded with it, in one
    query; None when there is none.

    Raw SQL because every API call starts here: the ORM compiles this select_related lookup
    in about 0.9 ms, six times what the database takes to answer it (0.15 ms), and that was
    half of a small call such as GetClientsDetails (bench --api, 100,000 clients). The row
    becomes instances through the models' own ``from_db`` and database converters.
    """
    connection = connections[ApiCredential.objects.db]
    query = _LIVE_CREDENTIAL_QUERIES.get(connection.alias)
    if query is None:
        query = _LIVE_CREDENTIAL_QUERIES[connection.alias] = _LiveCredentialQuery(connection)
    with connection.cursor() as cursor:
        # Prepared on the server too: planning the join cost more than running it.
        execute_prepared(cursor, "api_live_credential", query.sql, [identifier])
        row = cursor.fetchone()
    return None if row is None else query.instance(connection, row)


def _match(identifier: str, secret: str) -> ApiCredential | None:
    digest = secret_digest(secret)
    credential = live_credential(identifier)
    if credential is not None and hmac.compare_digest(credential.secret_hash, digest):
        return _owner_active(credential)
    if settings.API_ALLOW_LEGACY_ADMIN_PASSWORD:
        # Legacy clients send the admin's username and md5 of the password: here, of a secret
        # of one of that admin's credentials (or the credential's own identifier).
        live = ApiCredential.objects.filter(revoked_at__isnull=True).select_related("user")
        for candidate in live.filter(
            Q(identifier=identifier) | Q(user__username=identifier)
        ).order_by("pk"):
            if hmac.compare_digest(candidate.legacy_secret_hash, digest):
                return _owner_active(candidate)
    return None


def _owner_active(credential: ApiCredential) -> ApiCredential | None:
    """A credential stops working when its owner leaves the staff."""
    user = credential.user
    return credential if user.is_active and user.is_staff else None


def _access_key_ok(access_key: str) -> bool:
    configured = settings.API_ACCESS_KEY
    return bool(configured and access_key) and hmac.compare_digest(
        access_key.encode(), configured.encode()
    )
