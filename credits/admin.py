"""Admin for credits: the Manage Credits popup on the client, and the read-only credit log.

``ManageCreditsAdminMixin`` goes in ``ClientAdmin``'s bases. Its pages follow Django's popup
convention (``_popup=1``, opened with ``window.open`` like related-object popups) and also work as
normal pages. After a change the popup tells the window that opened it, and every other admin tab
showing the client list, the new balance: any element with ``data-credit-balance-client="<pk>"``
gets the new text (see ``credits/static/credits/js/credit_balance.js``).
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from billing_admin.admin_mixins import AuditLogAdmin, ClientIdSearchMixin
from billing_admin.money import format_money
from clients.admin_links import (
    ORDER_MANAGE_CREDITS,
    QuickLink,
    balance_text,
    client_summary_link,
)
from clients.admin_tabs import TAB_CREDITS, ClientTab, client_tabs, register_client_tab
from clients.admin_views import client_view
from clients.models import Client
from credits.forms import CreditChangeForm
from credits.models import DESCRIPTION_SEARCH_VECTOR, CreditEntry
from credits.selectors import client_credit_entries
from credits.services import CLIENT_NOT_FOUND, add_credit, remove_credit

MANAGE_CREDIT_PERMISSION = "clients.manage_client_credit"
BALANCE_SCRIPT = "credits/js/credit_balance.js"


@dataclass(frozen=True)
class CreditOperation:
    title: str
    service: Callable[..., CreditEntry]
    done_message: str


CREDIT_OPERATIONS = {
    "add": CreditOperation("Add Credit", add_credit, "Added {amount} credit: {description}."),
    "remove": CreditOperation(
        "Remove Credit", remove_credit, "Removed {amount} credit: {description}."
    ),
}


# The credit log, as WHMCS's Credits tab; its page is Manage Credits opened as a full page.
register_client_tab(
    ClientTab(
        "credits",
        "Credits",
        "admin:clients_client_credits",
        TAB_CREDITS,
        permission=MANAGE_CREDIT_PERMISSION,
        count=lambda: CreditEntry.objects.all(),
    )
)


def may_manage_credit(modeladmin, request, client) -> bool:
    return request.user.has_perm(MANAGE_CREDIT_PERMISSION)


class ManageCreditsAdminMixin:
    """For ClientAdmin: the credit log popup with Add Credit and Remove Credit."""

    manage_credits_template = "admin/credits/manage_credits.html"
    credit_change_template = "admin/credits/credit_change.html"
    credit_entries_per_page = 50

    @property
    def media(self):
        # The client list listens for balance changes made in a Manage Credits popup.
        return super().media + forms.Media(js=[BALANCE_SCRIPT])

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/credits/",
                view(self.manage_credits_view),
                name="clients_client_credits",
            ),
            *(
                path(
                    f"<path:object_id>/credits/{operation}/",
                    view(self.credit_change_view),
                    {"operation": operation},
                    name=f"clients_client_{operation}_credit",
                )
                for operation in CREDIT_OPERATIONS
            ),
            *super().get_urls(),
        ]

    def get_quick_links(self, request, client: Client) -> list[QuickLink]:
        links = super().get_quick_links(request, client)
        if request.user.has_perm(MANAGE_CREDIT_PERMISSION):
            links.append(
                QuickLink(
                    label="Manage Credits",
                    url=reverse("admin:clients_client_credits", args=[client.pk]),
                    is_popup=True,
                    order=ORDER_MANAGE_CREDITS,
                )
            )
        return links

    def _credit_context(self, request, client: Client, **extra) -> dict:
        is_popup = IS_POPUP_VAR in request.GET or IS_POPUP_VAR in request.POST
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "client": client,
            "balance": balance_text(client),
            "is_popup": is_popup,
            "is_popup_var": IS_POPUP_VAR,
            # A popup is one task in its own window: no tab bar (and no query for one).
            "client_tabs": None if is_popup else client_tabs(request, client, current="credits"),
            **extra,
        }

    @client_view(may_manage_credit)
    def manage_credits_view(self, request, client):
        """The credit log: every entry, the balance, and the Add/Remove Credit buttons."""
        page = Paginator(
            client_credit_entries(client_id=client.pk), self.credit_entries_per_page
        ).get_page(request.GET.get("page"))
        context = self._credit_context(
            request,
            client,
            title=f"Manage Credits: {client}",
            page=page,
            balance_update={
                "client_id": client.pk,
                "text": balance_text(client),
                "summary_path": reverse("admin:clients_client_summary", args=[client.pk]),
            },
        )
        return TemplateResponse(request, self.manage_credits_template, context)

    @client_view(may_manage_credit)
    def credit_change_view(self, request, client, operation: str):
        """Add Credit or Remove Credit; Save Changes returns to the credit log."""
        credit_operation = CREDIT_OPERATIONS[operation]
        form = CreditChangeForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                entry = credit_operation.service(
                    client_id=client.pk,
                    amount=form.cleaned_data["amount"],
                    description=form.cleaned_data["description"],
                    request_key=form.cleaned_data["request_key"],
                    actor=request.user,
                )
            except Client.DoesNotExist:  # deleted since the page was opened
                # As the API answers, and as the invoice forms do: the message, never a 404.
                messages.error(request, CLIENT_NOT_FOUND)
                return HttpResponseRedirect(reverse("admin:clients_client_changelist"))
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                amount = f"{format_money(abs(entry.amount))} {client.currency}"
                self.message_user(
                    request,
                    credit_operation.done_message.format(
                        amount=amount, description=entry.description
                    ),
                    messages.SUCCESS,
                )
                log_url = reverse("admin:clients_client_credits", args=[client.pk])
                if IS_POPUP_VAR in request.POST:
                    log_url += "?" + urlencode({IS_POPUP_VAR: 1})
                return HttpResponseRedirect(log_url)
        context = self._credit_context(
            request, client, title=f"{credit_operation.title}: {client}", form=form
        )
        return TemplateResponse(request, self.credit_change_template, context)


@admin.register(CreditEntry)
class CreditEntryAdmin(ClientIdSearchMixin, AuditLogAdmin):
    """The credit log across all clients. Read-only for everyone: a mistake gets a new entry."""

    list_display = [
        "date",
        "client_link",
        "description",
        "amount",
        "kind",
        "actor_label",
        "invoice",
    ]
    list_filter = ["kind", "date"]
    list_select_related = ["client", "invoice"]
    search_fields = ["description"]
    search_help_text = "Description words, or a client ID."
    show_full_result_count = False

    @admin.display(description="Client", ordering="client__last_name")
    def client_link(self, entry: CreditEntry) -> str:
        return client_summary_link(entry.client)

    def search_text(self, queryset, term):
        return queryset.alias(search=DESCRIPTION_SEARCH_VECTOR).filter(
            search=SearchQuery(term, config="simple")
        )
