"""Data protection in the admin: the Summary's "Export Client Data" and "Anonymise Client" Quick
Links, their pages, the exports listed on the client, and the log of all exports.

Both pages are ``get_urls()`` views of ClientAdmin (this mixin is among its bases); the work is
done by ``privacy.services`` and the export's content by ``privacy.export``, as the commands do.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from billing_admin.admin_mixins import AuditLogAdmin, ClientIdSearchMixin
from clients.admin_links import ORDER_DELETE_CLIENT, QuickLink
from clients.admin_tabs import client_tabs
from clients.models import ClientDataExport
from privacy.export import client_export_chunks, export_filename
from privacy.selectors import anonymisation_summary, retention_cutoff
from privacy.services import client_anonymise, client_export_record

PERM_ANONYMISE = "clients.anonymise_client"
PERM_EXPORT = "clients.export_client_data"
ORDER_EXPORT_DATA = 60
ORDER_ANONYMISE = ORDER_DELETE_CLIENT - 5
RECENT_EXPORTS = 10
MSG_ANONYMISED = (
    "Client #%(id)s was anonymised: its personal data is erased and it is Closed. Its invoices, "
    "payments and credit log are kept."
)


class DataProtectionAdminMixin:
    """For ClientAdmin: Anonymise Client and Export Client Data."""

    anonymise_client_template = "admin/privacy/anonymise_client.html"
    export_client_data_template = "admin/privacy/export_client_data.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/anonymise/",
                self.admin_site.admin_view(self.anonymise_client_view),
                name="clients_client_anonymise",
            ),
            path(
                "<path:object_id>/export-data/",
                self.admin_site.admin_view(self.export_client_data_view),
                name="clients_client_export_data",
            ),
            *super().get_urls(),
        ]

    def get_quick_links(self, request, client):
        links = super().get_quick_links(request, client)
        if request.user.has_perm(PERM_EXPORT):
            links.append(
                QuickLink(
                    label="Export Client Data",
                    url=reverse("admin:clients_client_export_data", args=[client.pk]),
                    order=ORDER_EXPORT_DATA,
                )
            )
        if request.user.has_perm(PERM_ANONYMISE) and client.anonymised_at is None:
            links.append(
                QuickLink(
                    label="Anonymise Client",
                    url=reverse("admin:clients_client_anonymise", args=[client.pk]),
                    css_class="danger",
                    order=ORDER_ANONYMISE,
                )
            )
        return links

    def get_summary_context(self, request, client):
        context = super().get_summary_context(request, client)
        if request.user.has_perm(PERM_EXPORT):
            context["data_exports"] = client.data_exports.all()[:RECENT_EXPORTS]
        return context

    def has_change_permission(self, request, obj=None):
        # An anonymised client's profile is a placeholder: nothing on it is anyone's to edit.
        if obj is not None and getattr(obj, "anonymised_at", None) is not None:
            return False
        return super().has_change_permission(request, obj)

    def _deletion_context(self, request, clients, **extra):
        context = super()._deletion_context(request, clients, **extra)
        if len(clients) == 1 and request.user.has_perm(PERM_ANONYMISE):
            context["anonymise_url"] = reverse(
                "admin:clients_client_anonymise", args=[clients[0].pk]
            )
        return context

    def _privacy_page(self, request, client, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "subtitle": None,
            "client": client,
            "client_tabs": client_tabs(request, client, current="summary"),
            "summary_url": reverse("admin:clients_client_summary", args=[client.pk]),
            **extra,
        }

    def anonymise_client_view(self, request, object_id):
        """GET: what is erased and what is kept, with counts; POST: anonymise."""
        if not request.user.has_perm(PERM_ANONYMISE):
            raise PermissionDenied
        client = self.get_client_or_404(request, object_id)
        summary_url = reverse("admin:clients_client_summary", args=[client.pk])
        if request.method == "POST":
            try:
                client_anonymise(client_id=client.pk, actor=request.user)
            except ValidationError as error:
                for message in error.messages:
                    messages.error(request, message)
                return HttpResponseRedirect(request.path)
            messages.success(request, MSG_ANONYMISED % {"id": client.pk})
            return HttpResponseRedirect(summary_url)
        context = self._privacy_page(
            request,
            client,
            title=f"Anonymise client: {client}",
            summary=anonymisation_summary(client, cutoff=retention_cutoff()),
        )
        return TemplateResponse(request, self.anonymise_client_template, context)

    def export_client_data_view(self, request, object_id):
        """GET: a form asking why; POST: record the export and send the file, streamed."""
        if not request.user.has_perm(PERM_EXPORT):
            raise PermissionDenied
        client = self.get_client_or_404(request, object_id)
        errors = []
        if request.method == "POST":
            try:
                client_export_record(
                    client_id=client.pk, actor=request.user, reason=request.POST.get("reason", "")
                )
            except ValidationError as error:
                errors = error.messages
            else:
                response = StreamingHttpResponse(
                    client_export_chunks(client.pk), content_type="application/json"
                )
                response["Content-Disposition"] = (
                    f'attachment; filename="{export_filename(client.pk)}"'
                )
                return response
        context = self._privacy_page(
            request,
            client,
            title=f"Export client data: {client}",
            errors=errors,
            reason=request.POST.get("reason", ""),
            data_exports=client.data_exports.all()[:RECENT_EXPORTS],
        )
        return TemplateResponse(
            request, self.export_client_data_template, context, status=400 if errors else 200
        )


@admin.register(ClientDataExport)
class ClientDataExportAdmin(ClientIdSearchMixin, AuditLogAdmin):
    """Every export of a client's data, across clients: who, when and why. Read-only."""

    list_display = ["created_at", "client_link", "actor_label", "reason"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    list_select_related = ["client"]
    search_fields = ["=client__id"]
    search_help_text = "Client ID."
    show_full_result_count = False

    @admin.display(description="client", ordering="client_id")
    def client_link(self, record: ClientDataExport) -> str:
        url = reverse("admin:clients_client_summary", args=[record.client_id])
        return format_html('<a href="{}">#{} {}</a>', url, record.client_id, record.client)

    def search_text(self, queryset, term):
        return queryset.none()
