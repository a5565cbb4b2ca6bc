"""The Account Statement pages of a client (a Quick Link on the Summary): the statement for a
range, its PDF and CSV downloads, and "Email statement". ``StatementAdminMixin`` goes into
ClientAdmin's bases; every page reads ``statements.selectors.client_statement``."""

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import (
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from clients.admin_links import QuickLink
from clients.admin_tabs import client_tabs
from clients.admin_views import client_view
from statements.rendering import (
    statement_csv_rows,
    statement_filename,
    statement_pdf,
    statement_rows_html,
)
from statements.selectors import DEFAULT_PERIOD, PERIODS, client_statement, statement_range
from statements.services import statement_email_send

ORDER_STATEMENT = 25
MSG_EMAILED = (
    "The statement for %(period)s is queued for %(to)s; the client's email log shows when it "
    "is sent."
)


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a streaming response."""

    def write(self, value):
        return value


def _range_params(source) -> dict:
    return {name: source.get(name, "") for name in ("period", "start", "end") if source.get(name)}


def _may_view(modeladmin, request, client) -> bool:
    return modeladmin.has_view_or_change_permission(request, client)


class StatementAdminMixin:
    statement_template = "admin/statements/statement.html"

    def get_urls(self):
        views = [
            ("", self.statement_view, "clients_client_statement"),
            ("pdf/", self.statement_pdf_view, "clients_client_statement_pdf"),
            ("csv/", self.statement_csv_view, "clients_client_statement_csv"),
            ("email/", self.statement_email_view, "clients_client_statement_email"),
        ]
        return [
            *(
                path(
                    f"<path:object_id>/statement/{suffix}",
                    self.admin_site.admin_view(view),
                    name=name,
                )
                for suffix, view, name in views
            ),
            *super().get_urls(),
        ]

    def get_quick_links(self, request, client):
        links = super().get_quick_links(request, client)
        if self.has_view_or_change_permission(request, client):
            links.append(
                QuickLink(
                    label="Account Statement",
                    url=reverse("admin:clients_client_statement", args=[client.pk]),
                    order=ORDER_STATEMENT,
                )
            )
        return links

    @client_view(_may_view)
    def statement_view(self, request, client):
        params = _range_params(request.GET)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Account statement: {client}",
            "subtitle": None,
            "client": client,
            "client_tabs": client_tabs(request, client, current=None),
            "periods": PERIODS.items(),
            "period": params.get("period", "" if "start" in params else DEFAULT_PERIOD),
            "range_query": urlencode(params),
            "can_email": self.has_change_permission(request, client),
        }
        try:
            start, end = statement_range(**params)
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
            return TemplateResponse(request, self.statement_template, context, status=400)
        statement = client_statement(client, start=start, end=end)
        context.update(
            statement=statement, start=start, end=end, lines_html=statement_rows_html(statement)
        )
        return TemplateResponse(request, self.statement_template, context)

    def _statement_or_error(self, request, client):
        try:
            start, end = statement_range(**_range_params(request.GET))
        except ValidationError as error:
            return None, HttpResponse(
                " ".join(error.messages), status=400, content_type="text/plain"
            )
        return client_statement(client, start=start, end=end), None

    @client_view(_may_view)
    def statement_pdf_view(self, request, client):
        statement, error = self._statement_or_error(request, client)
        if error:
            return error
        response = HttpResponse(statement_pdf(statement), content_type="application/pdf")
        filename = statement_filename(statement, "pdf")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @client_view(_may_view)
    def statement_csv_view(self, request, client):
        statement, error = self._statement_or_error(request, client)
        if error:
            return error
        writer = csv.writer(_Echo())
        response = StreamingHttpResponse(
            (writer.writerow(row) for row in statement_csv_rows(statement)),
            content_type="text/csv; charset=utf-8",
        )
        filename = statement_filename(statement, "csv")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    @client_view(lambda self, request, client: self.has_change_permission(request, client))
    def statement_email_view(self, request, client):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        params = _range_params(request.POST)
        back = reverse("admin:clients_client_statement", args=[client.pk])
        try:
            start, end = statement_range(**params)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(back)
        statement = client_statement(client, start=start, end=end)
        log = statement_email_send(statement=statement, actor=request.user)
        messages.success(
            request, MSG_EMAILED % {"period": statement.period_text, "to": log.to_address}
        )
        return HttpResponseRedirect(f"{back}?{urlencode(params)}")
