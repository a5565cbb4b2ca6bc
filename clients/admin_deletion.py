"""Deleting clients from the admin: a confirmation page, then clients.services does the work.

Both entry points, the Summary's red "Delete Client" quick link and the changelist's bulk action
(which replaces Django's stock "delete selected", whose Python cascade would walk every row), show
the same summary of what goes and what stays, and call the same service.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from billing_admin.admin_mixins import AuditLogAdmin
from clients.admin_links import ORDER_DELETE_CLIENT, QuickLink
from clients.admin_tabs import client_tabs
from clients.admin_views import client_view
from clients.models import ClientDeletion
from clients.services import client_deletion_summary, clients_delete

MSG_DELETED = "Deleted %(count)d client(s): %(names)s. %(kept)d transaction(s) were kept."


class ClientDeletionAdminMixin:
    """For ClientAdmin: the Delete Client page and quick link, and the bulk delete action."""

    delete_client_template = "admin/clients/client/delete_client.html"
    delete_selected_clients_template = "admin/clients/client/delete_selected_clients.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/delete-client/",
                self.admin_site.admin_view(self.delete_client_view),
                name="clients_client_delete_client",
            ),
            *super().get_urls(),
        ]

    def get_quick_links(self, request, client):
        links = super().get_quick_links(request, client)
        if self.has_delete_permission(request, client):
            links.append(
                QuickLink(
                    label="Delete Client",
                    url=reverse("admin:clients_client_delete_client", args=[client.pk]),
                    css_class="danger",
                    order=ORDER_DELETE_CLIENT,
                    set_apart=True,
                )
            )
        return links

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if self.has_delete_permission(request):
            actions["delete_selected_clients"] = self.get_action("delete_selected_clients")
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        """The stock delete page would cascade in Python: send staff to ours instead."""
        return HttpResponseRedirect(
            reverse("admin:clients_client_delete_client", args=[unquote(object_id)])
        )

    def delete_model(self, request, obj):
        clients_delete(client_ids=[obj.pk], actor=request.user)

    def delete_queryset(self, request, queryset):
        clients_delete(client_ids=queryset.values_list("pk", flat=True), actor=request.user)

    def _deletion_context(self, request, clients, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "clients": clients,
            "summary": client_deletion_summary(client_ids=[client.pk for client in clients]),
            **extra,
        }

    def _delete_clients(self, request, client_ids) -> bool:
        """Call the service and report the outcome; False when it refused."""
        try:
            deletions = clients_delete(client_ids=client_ids, actor=request.user)
        except ValidationError as exc:
            for message in exc.messages:
                self.message_user(request, message, messages.ERROR)
            return False
        self.message_user(
            request,
            MSG_DELETED
            % {
                "count": len(deletions),
                "names": ", ".join(f"#{d.client_id} {d.client_name}" for d in deletions),
                "kept": sum(d.kept_transactions for d in deletions),
            },
            messages.SUCCESS,
        )
        return True

    @client_view(lambda self, request, client: self.has_delete_permission(request, client))
    def delete_client_view(self, request, client):
        if request.method == "POST":
            if self._delete_clients(request, [client.pk]):
                return HttpResponseRedirect(reverse("admin:clients_client_changelist"))
            return HttpResponseRedirect(request.path)
        context = self._deletion_context(
            request,
            [client],
            title="Delete Client",
            object=client,
            client=client,
            client_tabs=client_tabs(request, client, current="summary"),
        )
        return TemplateResponse(request, self.delete_client_template, context)

    @admin.action(permissions=["delete"], description="Delete selected clients")
    def delete_selected_clients(self, request, queryset):
        """First a confirmation page; its form posts the action again with post=yes."""
        if request.POST.get("post") == "yes":
            self._delete_clients(request, list(queryset.values_list("pk", flat=True)))
            return None  # back to the changelist
        clients = list(queryset.order_by("pk"))
        context = self._deletion_context(
            request,
            clients,
            title="Delete selected clients",
            selected=clients,
            action_name="delete_selected_clients",
            action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
        )
        return TemplateResponse(request, self.delete_selected_clients_template, context)


@admin.register(ClientDeletion)
class ClientDeletionAdmin(AuditLogAdmin):
    """The record of deleted clients, which outlives them: read-only for everyone."""

    list_display = [
        "created_at",
        "actor_label",
        "client_id",
        "client_name",
        "client_email",
        "kept_transactions_link",
        "removed_counts",
    ]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["=client_id", "^client_email"]

    @admin.display(description="kept transactions", ordering="kept_transactions")
    def kept_transactions_link(self, record: ClientDeletion) -> str:
        if not record.kept_transactions:
            return "0"
        url = reverse("admin:transactions_transaction_changelist")
        return format_html(
            '<a href="{}?client_snapshot_id={}">{}</a>',
            url,
            record.client_id,
            record.kept_transactions,
        )
