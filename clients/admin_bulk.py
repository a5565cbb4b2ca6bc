"""Bulk status actions on the client list: "Mark selected clients Active / Inactive / Closed".

Each action only redirects to a confirmation page (a ``get_urls()`` view) that shows how many
clients are selected, how many already have the status and how many hold active services; the
POST from that page runs the set-based ``clients_bulk_set_status``. Selections carry over as the
selected ids, or, for "select all N", as the list's filters, so the page works at any size.
"""

import logging

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse

from billing_admin.errors import SERVER_ERROR, SERVICE_UNAVAILABLE, is_unavailable
from clients.admin_selection import changelist_url, redirect_with_selection, selected_clients
from clients.models import Client
from clients.selectors import status_change_preview
from clients.services import clients_bulk_set_status

STATUS_PERMISSION = "clients.change_client_status"
BAD_SELECTION = "The selection could not be read; select the clients again."
NOTHING_SELECTED = "No clients are selected."

logger = logging.getLogger(__name__)


def _mark_selected_action(status: str):
    def mark_selected(modeladmin, request, queryset):
        return modeladmin.bulk_status_redirect(request, queryset, status)

    mark_selected.__name__ = f"mark_{status.lower()}_selected"
    return mark_selected, mark_selected.__name__, f"Mark selected clients {status}"


class BulkStatusAdminMixin:
    """For ClientAdmin: the three actions (only for users with ``change_client_status``)."""

    bulk_status_template = "admin/clients/client/bulk_status_confirmation.html"
    # Standalone (no admin context): it is shown when the database may be unreachable.
    bulk_status_stopped_template = "admin/clients/client/bulk_status_stopped.html"

    def get_actions(self, request):
        actions = super().get_actions(request)
        if request.user.has_perm(STATUS_PERMISSION):
            for status in Client.Status.values:
                action = _mark_selected_action(status)
                actions[action[1]] = action
        return actions

    def get_urls(self):
        urls = [
            path(
                "bulk-status/<str:status>/",
                self.admin_site.admin_view(self.bulk_status_view),
                name="clients_client_bulk_status",
            )
        ]
        return urls + super().get_urls()

    def bulk_status_redirect(self, request, queryset: QuerySet[Client], status: str):
        """The action: carry the selection over to the confirmation page."""
        url = reverse("admin:clients_client_bulk_status", args=[status.lower()])
        return redirect_with_selection(request, queryset, url)

    def bulk_status_view(self, request, status: str):
        if not request.user.has_perm(STATUS_PERMISSION):
            raise PermissionDenied
        status = next((value for value in Client.Status.values if value.lower() == status), None)
        if status is None:
            raise Http404("Unknown client status.")
        list_url = changelist_url(request)
        selection = selected_clients(self, request)
        if selection is None:
            self.message_user(request, BAD_SELECTION, messages.ERROR)
            return HttpResponseRedirect(list_url)
        preview = status_change_preview(selection, status=status)
        if not preview.total:
            self.message_user(request, NOTHING_SELECTED, messages.WARNING)
            return HttpResponseRedirect(list_url)
        if request.method == "POST":
            batches_done = []
            try:
                result = clients_bulk_set_status(
                    clients=selection,
                    status=status,
                    actor=request.user,
                    on_batch=batches_done.append,
                )
            except DatabaseError as exc:
                return self.bulk_run_stopped(exc, status, batches_done[-1:])
            self.message_user(
                request,
                f"Changed {result.changed} clients to {status} "
                f"({result.already} already {status}).",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(list_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Mark selected clients {status}",
            "status": status,
            "preview": preview,
            "changelist_url": list_url,
        }
        return TemplateResponse(request, self.bulk_status_template, context)

    def bulk_run_stopped(
        self, exc: DatabaseError, value: str, last_batch: list, *, what: str = "status"
    ):
        """A bulk change (of ``what``, to ``value``) stopped by a database failure half-way: a
        page saying how many clients changed (each committed batch is whole) and that
        submitting again finishes the rest. Rendered without the admin's context, which would
        need the database again. The credit policy actions end here too."""
        logger.error("Bulk %s change stopped by a database error", what, exc_info=exc)
        progress = last_batch[0].progress_text() if last_batch else None
        page = render_to_string(
            self.bulk_status_stopped_template,
            {"what": what, "value": value, "progress": progress},
        )
        return HttpResponse(
            page, status=SERVICE_UNAVAILABLE if is_unavailable(exc) else SERVER_ERROR
        )
