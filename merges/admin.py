"""Merge Clients: a Quick Link on the Summary, a page to pick the client to merge into, a
confirmation with what moves, and the redirect that keeps a merged client's old URLs working."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from billing_admin.admin_mixins import AuditLogAdmin
from billing_admin.parsing import parse_positive_int
from clients.admin_links import ORDER_DELETE_CLIENT, QuickLink
from clients.admin_tabs import client_tabs
from clients.admin_views import client_view
from clients.models import Client
from clients.selectors import clients_search
from merges.models import ClientMerge
from merges.selectors import merge_preview, merged_into
from merges.services import client_merge

MERGE_PERMISSION = "merges.merge_clients"
SEARCH_RESULTS = 20
MSG_MERGED = "Client #%(source)s (%(name)s) was merged into this client."
MSG_REDIRECTED = "Client #%(source)s was merged into client #%(target)s: this is that client now."


class ClientMergeAdminMixin:
    """For ClientAdmin: the merge pages and the redirect from a merged client's old URLs."""

    merge_template = "admin/merges/merge_client.html"

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/merge/",
                self.admin_site.admin_view(self.merge_view),
                name="clients_client_merge",
            )
        ]
        return urls + super().get_urls()

    def get_quick_links(self, request, client: Client) -> list[QuickLink]:
        links = super().get_quick_links(request, client)
        if request.user.has_perm(MERGE_PERMISSION):
            links.append(
                QuickLink(
                    label="Merge Clients",
                    url=reverse("admin:clients_client_merge", args=[client.pk]),
                    order=ORDER_DELETE_CLIENT - 5,
                )
            )
        return links

    def client_not_found(self, request, object_id):
        """A merged client's old pages lead to the client it went into."""
        client_id = parse_positive_int(unquote(str(object_id)))
        target_id = merged_into(client_id) if client_id is not None else None
        if target_id is None:
            return super().client_not_found(request, object_id)
        self.message_user(
            request, MSG_REDIRECTED % {"source": client_id, "target": target_id}, messages.INFO
        )
        return HttpResponseRedirect(reverse("admin:clients_client_summary", args=[target_id]))

    @client_view(lambda self, request, client: request.user.has_perm(MERGE_PERMISSION))
    def merge_view(self, request, source: Client):
        query = request.GET.get("q", "").strip()[:200]
        target_id = parse_positive_int(request.GET.get("target", ""))
        target = Client.objects.filter(pk=target_id).first() if target_id else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Merge {source} into another client",
            "source": source,
            "client_tabs": client_tabs(request, source, current="summary"),
            "query": query,
            "target": target,
            "summary_url": reverse("admin:clients_client_summary", args=[source.pk]),
        }
        if target is not None and target.pk != source.pk:
            if request.method == "POST":
                try:
                    client_merge(
                        source_id=source.pk,
                        target_id=target.pk,
                        actor=request.user,
                        source_as_contact=request.POST.get("source_as_contact") == "on",
                    )
                except ValidationError as error:
                    context["error"] = " ".join(error.messages)
                else:
                    self.message_user(
                        request,
                        MSG_MERGED % {"source": source.pk, "name": source},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(
                        reverse("admin:clients_client_summary", args=[target.pk])
                    )
            context["preview"] = merge_preview(source, target)
        elif query:
            context["results"] = clients_search(
                Client.objects.exclude(pk=source.pk).order_by("pk"), query
            )[:SEARCH_RESULTS]
        return TemplateResponse(request, self.merge_template, context)


@admin.register(ClientMerge)
class ClientMergeAdmin(AuditLogAdmin):
    list_display = [
        "created_at",
        "source_id",
        "source_name",
        "source_email",
        "target",
        "actor_label",
    ]
    list_select_related = ["target"]
    search_fields = ["=source_id", "source_email"]
