"""API credentials: who may call the WHMCS-compatible endpoint, from where, and for what."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class ApiCredential(models.Model):
    """An identifier + secret pair (WHMCS 7.2+ API credentials) owned by a staff user.

    Only a SHA-256 digest of the secret is stored: the secret is 256 random bits, so a slow
    password hash would add latency to every call without adding safety. ``legacy_secret_hash``
    is the digest of md5(secret), for clients that send WHMCS's legacy md5 password (accepted
    only when ``API_ALLOW_LEGACY_ADMIN_PASSWORD`` is on).

    Services take a credential as their ``actor``: ``audit_label`` and ``user`` are what
    ``billing_admin.actors`` reads.
    """

    name = models.CharField(max_length=100, help_text="What this credential is for.")
    identifier = models.CharField(max_length=64, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    legacy_secret_hash = models.CharField(max_length=64, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="api_credentials",
        verbose_name="owner",
        help_text="The staff user that changes made with this credential are attributed to.",
    )
    allowed_actions = ArrayField(
        models.CharField(max_length=50),
        default=list,
        blank=True,
        help_text="The API actions this credential may call (its role).",
    )
    allowed_ips = ArrayField(
        models.CharField(max_length=49),
        default=list,
        blank=True,
        verbose_name="allowed IPs",
        help_text="IP addresses or networks (CIDR) allowed to call; empty allows none, as "
        "WHMCS restricts API access by IP by default.",
    )
    created_by = models.CharField(max_length=150, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.CharField(max_length=150, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "API credential"

    def __str__(self) -> str:
        return f"{self.name} ({self.identifier})"

    @property
    def audit_label(self) -> str:
        return f"API: {self.identifier}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class IdempotentCall(models.Model):
    """A write call made with an idempotency key (our extension to WHMCS's protocol): its answer,
    kept so that a retry with the same key gets the same answer and changes nothing.

    The row is written in the same database transaction as the call's own writes, so it exists
    exactly when the call's changes were committed; a retry after a lost answer finds it.
    """

    credential = models.ForeignKey(ApiCredential, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=255)
    action = models.CharField(max_length=50)
    # SHA-256 of the call's parameters: a key reused for a different call is refused.
    fingerprint = models.CharField(max_length=64)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["credential", "key"], name="api_idempotent_call_key")
        ]
        # Old keys can be pruned by age.
        indexes = [models.Index(fields=["created_at"], name="api_idempotent_call_created")]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"
