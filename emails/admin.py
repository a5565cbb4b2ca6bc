"""The Emails list: every client email and where it stands, with Retry and Resend for staff."""

from django.contrib import admin, messages
from django.utils.text import Truncator

from billing_admin.admin_mixins import AuditLogAdmin, ClientIdSearchMixin
from clients.admin_links import client_summary_link
from clients.admin_tabs import (
    TAB_EMAILS,
    ClientFilter,
    ClientTabsChangelistMixin,
    model_list_tab,
    register_client_tab,
)
from clients.models import Client, EmailLog
from clients.selectors import clients_search
from emails.services import emails_resend, emails_retry

SEND_PERMISSION = "clients.send_client_email"
MSG_RETRIED = "%(count)s email(s) queued to be sent again."
MSG_NOT_RETRIED = (
    "%(count)s email(s) left as they are: only failed emails, and emails whose worker stopped "
    "while sending, are retried (use Resend for one that was sent)."
)
MSG_RESENT = "%(count)s copy(ies) queued, to each client's current address."
ERROR_PREVIEW_CHARS = 80


@admin.register(EmailLog)
class EmailLogAdmin(ClientIdSearchMixin, ClientTabsChangelistMixin, AuditLogAdmin):
    """Read-only like every log; what staff may do is queue a message again (Retry) or a copy
    of it (Resend), through the queue's services."""

    list_display = [
        "created_at",
        "client_link",
        "kind",
        "to_address",
        "subject",
        "status",
        "attempts",
        "error_preview",
        "sent_at",
    ]
    list_filter = ["status", "kind", ClientFilter]
    client_tab = "emails"
    search_fields = ["=client__id"]
    search_help_text = "Client ID, or client name, company, email or phone (as on the client list)."
    list_select_related = ["client"]
    list_per_page = 50
    show_full_result_count = False
    actions = ["retry_selected", "resend_selected"]
    exclude = ["body_html"]

    @admin.display(description="Client", ordering="client_id")
    def client_link(self, email: EmailLog) -> str:
        return client_summary_link(email.client)

    def search_text(self, queryset, term):
        matching_clients = clients_search(Client.objects.all(), term).values("pk")
        return queryset.filter(client__in=matching_clients)

    @admin.display(description="Last error")
    def error_preview(self, email: EmailLog) -> str:
        return Truncator(email.error).chars(ERROR_PREVIEW_CHARS)

    def has_send_permission(self, request) -> bool:
        return request.user.has_perm(SEND_PERMISSION)

    @admin.action(description="Retry selected emails (failed ones)", permissions=["send"])
    def retry_selected(self, request, queryset):
        selected = list(queryset.values_list("pk", flat=True))
        retried = emails_retry(email_ids=selected, actor=request.user)
        if retried:
            messages.success(request, MSG_RETRIED % {"count": len(retried)})
        if len(retried) < len(selected):
            messages.warning(request, MSG_NOT_RETRIED % {"count": len(selected) - len(retried)})

    @admin.action(description="Resend selected emails (a new copy of each)", permissions=["send"])
    def resend_selected(self, request, queryset):
        copies = emails_resend(email_ids=queryset.values_list("pk", flat=True), actor=request.user)
        messages.success(request, MSG_RESENT % {"count": len(copies)})


register_client_tab(model_list_tab("emails", "Emails", EmailLog, TAB_EMAILS))
