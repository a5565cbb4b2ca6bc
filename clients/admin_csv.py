"""Export CSV and Import CSV on the client list.

Export: the list's "Export CSV" button (what the search and filters show) and the "Export
selected clients to CSV" action lead to one page where staff pick the columns; the download is
streamed by ``clients.csv_export``. Import: upload, a preview built by a dry run of the real
import (every problem by line and column), then confirm; ``clients.services.clients_import``
does the work, as ``import_clients`` does.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from clients.admin_selection import (
    FILTERS_PARAM,
    changelist_url,
    listed_clients,
    redirect_with_selection,
    selected_clients,
)
from clients.csv_export import client_csv_chunks, column_label, export_columns
from clients.forms import ClientExportForm, ClientImportForm
from clients.models import Client, ClientImport
from clients.services import client_imports_expire, clients_import, rejects_csv

EXPORT_PERMISSION = "clients.export_clients"
IMPORT_PERMISSIONS = ("clients.import_clients", "clients.add_client")
PROBLEMS_SHOWN = 200
BAD_SELECTION = "The selection could not be read; select the clients again."
MSG_NOTHING_IMPORTED = "Nothing was imported: fix the problems below, or tick “Skip invalid rows”."


def _report(result) -> dict:
    """What the preview and result pages show of an import (JSON for ClientImport.report)."""
    return {
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "rejected": result.rejected,
        "problem_count": len(result.problems),
        "problems": [str(problem) for problem in result.problems[:PROBLEMS_SHOWN]],
        "notices": result.notices,
        "mapping": [
            [header, column_label(result.mapping[header]) if header in result.mapping else ""]
            for header in result.headers
        ],
        "preview": result.preview,
        "headers": result.headers,
        "file_refused": result.file_refused,
    }


class ClientCsvAdminMixin:
    """For ClientAdmin: the export and import pages, the export action, the list's buttons."""

    export_template = "admin/clients/client/export_csv.html"
    import_template = "admin/clients/client/import_csv.html"

    def get_urls(self):
        urls = [
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="clients_client_export",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="clients_client_import",
            ),
            path(
                "import/<int:import_id>/",
                self.admin_site.admin_view(self.import_confirm_view),
                name="clients_client_import_confirm",
            ),
            path(
                "import/<int:import_id>/rejects.csv",
                self.admin_site.admin_view(self.import_rejects_view),
                name="clients_client_import_rejects",
            ),
        ]
        return urls + super().get_urls()

    def get_actions(self, request):
        actions = super().get_actions(request)
        if request.user.has_perm(EXPORT_PERMISSION):
            actions["export_selected_csv"] = (
                ClientCsvAdminMixin.export_selected_csv,
                "export_selected_csv",
                "Export selected clients to CSV",
            )
        return actions

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_export_clients": request.user.has_perm(EXPORT_PERMISSION),
            "can_import_clients": request.user.has_perms(IMPORT_PERMISSIONS),
        }
        return super().changelist_view(request, extra_context)

    # ---- export -----------------------------------------------------------------------------

    def export_selected_csv(self, request, queryset: QuerySet[Client]):
        return redirect_with_selection(request, queryset, reverse("admin:clients_client_export"))

    def export_view(self, request):
        if not request.user.has_perm(EXPORT_PERMISSION):
            raise PermissionDenied
        list_url = changelist_url(request)
        if "ids" in request.GET or request.GET.get("select_across") == "1":
            clients = selected_clients(self, request)
        else:  # the list's button: everything its search and filters show
            clients = listed_clients(self, request, request.GET.get(FILTERS_PARAM, ""))
        if clients is None:
            self.message_user(request, BAD_SELECTION, messages.ERROR)
            return HttpResponseRedirect(list_url)
        form = ClientExportForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            columns = export_columns(form.cleaned_data["columns"])
            response = StreamingHttpResponse(
                client_csv_chunks(clients, columns), content_type="text/csv; charset=utf-8"
            )
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            response["Content-Disposition"] = f'attachment; filename="clients-{stamp}.csv"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Export clients to CSV",
            "form": form,
            "changelist_url": list_url,
            "selection_note": (
                "the selected clients"
                if "ids" in request.GET
                else "every client the list shows with its current search and filters"
            ),
        }
        return TemplateResponse(request, self.export_template, context)

    # ---- import -----------------------------------------------------------------------------

    def _check_import_permission(self, request) -> None:
        if not request.user.has_perms(IMPORT_PERMISSIONS):
            raise PermissionDenied

    def import_view(self, request):
        """Upload: check the file, run the import as a dry run, store both, show the preview."""
        self._check_import_permission(request)
        form = (
            ClientImportForm(request.POST, request.FILES)
            if request.method == "POST"
            else ClientImportForm()
        )
        if request.method == "POST" and form.is_valid():
            options = {
                name: form.cleaned_data[name]
                for name in ("update_existing", "skip_invalid", "send_welcome_email")
            }
            text = form.cleaned_data["text"]
            client_imports_expire()
            result = clients_import(text, actor=request.user, dry_run=True, **options)
            upload = ClientImport.objects.create(
                filename=form.cleaned_data["file"].name[:255],
                content=text,
                report=_report(result),
                actor_user=request.user,
                actor_label=request.user.get_username(),
                **options,
            )
            return HttpResponseRedirect(
                reverse("admin:clients_client_import_confirm", args=[upload.pk])
            )
        return self._import_page(request, form=form, title="Import clients from CSV")

    def import_confirm_view(self, request, import_id: int):
        """The preview (GET) and the real import (POST); after it, the outcome."""
        self._check_import_permission(request)
        upload = get_object_or_404(ClientImport, pk=import_id)
        if request.method == "POST" and upload.status == ClientImport.Status.PREVIEWED:
            options = {
                "update_existing": upload.update_existing,
                "skip_invalid": upload.skip_invalid,
                "send_welcome_email": upload.send_welcome_email,
            }
            result = clients_import(upload.content, actor=request.user, **options)
            upload.report = _report(result)
            upload.rejects_csv = rejects_csv(result) if result.rejects else ""
            upload.status = (
                ClientImport.Status.IMPORTED if result.imported else ClientImport.Status.REFUSED
            )
            upload.content = ""  # the clients hold the data now; the file is not kept
            upload.report.pop("preview", None)
            upload.imported_at = timezone.now()
            upload.save()
            if result.imported:
                self.message_user(
                    request,
                    f"Imported {upload.filename}: {result.created} created, "
                    f"{result.updated} updated, {result.rejected} rejected.",
                    messages.SUCCESS,
                )
            else:
                self.message_user(request, MSG_NOTHING_IMPORTED, messages.ERROR)
            return HttpResponseRedirect(request.path)
        return self._import_page(request, upload=upload, title=f"Import {upload.filename}")

    def import_rejects_view(self, request, import_id: int):
        self._check_import_permission(request)
        upload = get_object_or_404(ClientImport, pk=import_id)
        response = HttpResponse(upload.rejects_csv, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="rejects-{upload.pk}.csv"'
        return response

    def _import_page(self, request, *, title: str, form=None, upload=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "upload": upload,
            "report": upload.report if upload else None,
            "changelist_url": reverse("admin:clients_client_changelist"),
        }
        return TemplateResponse(request, self.import_template, context)
