"""Manage API credentials: create one (its secret is shown once), change its role and IP
allow-list, revoke it. Credentials are never deleted, so the audit trail keeps its meaning."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from api.models import ApiCredential
from api.registry import ACTION_NAMES
from api.services import (
    clean_ip_networks,
    credential_create,
    credential_update,
    credentials_revoke,
)
from billing_admin.admin_mixins import CheckedSelectionMixin

MSG_SECRET_ONCE = (
    "Identifier: %(identifier)s — Secret: %(secret)s — copy the secret now: it is stored "
    "hashed and will not be shown again."
)
MSG_REVOKED = "%(count)d credential(s) revoked."


class ApiCredentialForm(forms.ModelForm):
    allowed_actions = forms.MultipleChoiceField(
        choices=[(name, name) for name in ACTION_NAMES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The API actions this credential may call (its role).",
    )
    allowed_ips = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Allowed IPs",
        help_text="One IP address or CIDR network per line. Empty allows no address "
        "(only calls with the configured access key get through).",
    )

    class Meta:
        model = ApiCredential
        fields = ["name", "user", "allowed_actions", "allowed_ips"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].queryset = get_user_model().objects.filter(
                is_staff=True, is_active=True
            )
        if self.instance.pk:
            self.initial["allowed_ips"] = "\n".join(self.instance.allowed_ips)

    def clean_allowed_ips(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data["allowed_ips"].splitlines()]
        try:
            return clean_ip_networks(line for line in lines if line)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["allowed_ips"]) from None


@admin.register(ApiCredential)
class ApiCredentialAdmin(CheckedSelectionMixin, admin.ModelAdmin):
    form = ApiCredentialForm
    list_display = [
        "name",
        "identifier",
        "user",
        "action_count",
        "ip_list",
        "is_revoked",
        "last_used_at",
        "last_used_ip",
    ]
    list_select_related = ["user"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "identifier"]
    actions = ["revoke_selected"]
    readonly_fields = [
        "identifier",
        "created_by",
        "created_at",
        "revoked_by",
        "revoked_at",
        "last_used_at",
        "last_used_ip",
    ]

    def get_readonly_fields(self, request, obj=None):
        # The owner is who the credential's changes are attributed to: fixed once created.
        return [*self.readonly_fields, "user"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="actions")
    def action_count(self, obj: ApiCredential) -> int:
        return len(obj.allowed_actions)

    @admin.display(description="allowed IPs")
    def ip_list(self, obj: ApiCredential) -> str:
        return ", ".join(obj.allowed_ips) or "—"

    @admin.display(boolean=True, description="revoked")
    def is_revoked(self, obj: ApiCredential) -> bool:
        return obj.is_revoked

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            credential_update(
                credential_id=obj.pk,
                name=data["name"],
                allowed_actions=data["allowed_actions"],
                allowed_ips=data["allowed_ips"],
                actor=request.user,
            )
            return
        credential, secret = credential_create(
            name=data["name"],
            user=data["user"],
            allowed_actions=data["allowed_actions"],
            allowed_ips=data["allowed_ips"],
            actor=request.user,
        )
        obj.pk = credential.pk
        obj.identifier = credential.identifier
        messages.warning(
            request, MSG_SECRET_ONCE % {"identifier": credential.identifier, "secret": secret}
        )

    @admin.action(description="Revoke selected credentials", permissions=["change"])
    def revoke_selected(self, request, queryset):
        """Revoking is for good, so it asks first (like Django's own delete_selected)."""
        live = queryset.filter(revoked_at__isnull=True).select_related("user")
        if request.POST.get("confirm") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": "Revoke API credentials?",
                "opts": self.model._meta,
                "credentials": live,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(
                request, "admin/api/apicredential/revoke_confirmation.html", context
            )
        count = credentials_revoke(
            credential_ids=list(live.values_list("pk", flat=True)), actor=request.user
        )
        self.message_user(request, MSG_REVOKED % {"count": count}, messages.SUCCESS)
        return None
