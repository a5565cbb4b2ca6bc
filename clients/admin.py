"""Admin for the clients app: Add New Client, the Profile, the client list and the Summary page.

Other apps extend ``ClientAdmin`` with mixins listed before ``ClientAdminBase`` in its bases. A
mixin may (a) add URLs by overriding ``get_urls()`` and putting its paths before ``super()``'s,
(b) add Quick Links by overriding ``get_quick_links(request, client)`` (see ``admin_links``),
(c) add actions by overriding ``get_actions(request)``. Each calls ``super()``.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from billing_admin.admin_mixins import (
    AuditLogAdmin,
    CheapListRowsMixin,
    CheckedSelectionMixin,
    ClientIdSearchMixin,
    ServiceErrorAsMessageMixin,
)
from billing_admin.dates import day_text
from billing_admin.html import format_html
from billing_admin.object_urls import object_url
from clients.admin_bulk import BulkStatusAdminMixin
from clients.admin_contacts import ContactsAndNotesAdminMixin
from clients.admin_credit_policy import CreditPolicyAdminMixin
from clients.admin_csv import ClientCsvAdminMixin
from clients.admin_deletion import ClientDeletionAdminMixin
from clients.admin_filters import DropdownChoicesFilter
from clients.admin_links import (
    ORDER_EDIT_PROFILE,
    ORDER_WELCOME_EMAIL,
    QuickLink,
    balance_text,
    client_summary_link,
)
from clients.admin_pagination import EstimatedCountPaginator
from clients.admin_tabs import ClientFilter, ClientTabsChangelistMixin, client_tabs
from clients.admin_views import client_not_found, client_view
from clients.field_permissions import fields_not_changeable_by
from clients.forms import ClientAddForm, ClientForm
from clients.models import Client, ClientEvent, ClientGroup, EmailLog
from clients.selectors import (
    ClientListSearch,
    client_figures,
    client_history,
    client_recent_credit_entries,
    client_recent_emails,
    clients_search,
)
from clients.services import (
    CLIENT_PROFILE_FIELDS,
    client_create,
    client_edit,
    client_send_welcome_email,
)
from credits.admin import ManageCreditsAdminMixin
from customfields.admin import CustomFieldsClientAdminMixin
from invoices.admin import ClientServicesAdminMixin
from merges.admin import ClientMergeAdminMixin
from privacy.admin import DataProtectionAdminMixin
from statements.admin import StatementAdminMixin

HISTORY_ROWS = 20
MSG_WELCOME_SENT = "The welcome email was sent to %(to)s."
MSG_WELCOME_QUEUED = (
    "The welcome email to %(to)s is queued; the client's Emails tab shows how it goes."
)
MSG_WELCOME_FAILED = (
    "The welcome email to %(to)s could not be sent (%(error)s). The client is saved; "
    "resend the email from the client's page once the mail server works."
)
PERSONAL_FIELDS = (
    "Personal",
    {"fields": [("first_name", "last_name"), "company_name", "email", "phone_number"]},
)
ADDRESS_FIELDS = (
    "Address",
    {"fields": ["address1", "address2", "city", "state", "postcode", "country"]},
)
SETTINGS_FIELDS = (
    "Billing and settings",
    {
        "fields": [
            "currency",
            "language",
            "group",
            "tax_exempt",
            "marketing_opt_in",
            "override_auto_close",
        ]
    },
)


class ClientAdminBase(
    CheckedSelectionMixin,
    ServiceErrorAsMessageMixin,
    CheapListRowsMixin,
    admin.ModelAdmin,
):
    add_form = ClientAddForm
    form = ClientForm
    list_display = [
        "id",
        # Name, company and email in one column: the list fits 1280px with the sidebar open.
        "name_link",
        "status_badge",
        "balance_display",
        "created_date",
    ]
    list_filter = [
        "status",
        "group",
        ("country", DropdownChoicesFilter),
        ("currency", DropdownChoicesFilter),
    ]
    list_select_related = ["group"]
    list_per_page = 50
    # The search itself is clients.selectors.clients_search; a field here shows the box.
    search_fields = ["email"]
    search_help_text = (
        "Name or company words, email (start), client ID or phone number (start); also a "
        "contact's name or email."
    )
    # Counting every client on each page costs more than it is worth at a million rows: no
    # second, unfiltered count, and the paginator estimates or caps its own.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = ["created_at", "updated_at"]
    summary_template = "admin/clients/client/summary.html"

    # ---- list -------------------------------------------------------------------------------

    @admin.display(description="Client", ordering="last_name")
    def name_link(self, client: Client) -> str:
        url = object_url("admin:clients_client_summary", client.pk)
        # The group's colour as a dot beside the name: a coloured background under link text
        # was hard to read.
        group_dot = (
            format_html(
                '<span title="{}" style="color:{}" aria-hidden="true">&#9679;</span>'
                '<span class="visually-hidden">{} group:</span> ',
                client.group.name,
                client.group.colour,
                client.group.name,
            )
            if client.group_id and client.group.colour
            else ""
        )
        company = (
            format_html('<br><span class="quiet">{}</span>', client.company_name)
            if client.company_name
            else ""
        )
        local_part, _, domain = client.email.partition("@")
        return format_html(
            # <wbr>: a long address may wrap after its "@" rather than widen the column.
            '<span style="white-space:nowrap">{}<a href="{}">{}</a></span>{}'
            '<br><span class="quiet">{}@<wbr>{}</span>',
            group_dot,
            url,
            client.full_name,
            company,
            local_part,
            domain,
        )

    @admin.display(description="Status", ordering="status")
    def status_badge(self, client: Client) -> str:
        # The colours are the stylesheet's (billing_admin/admin.css), shared with the Summary.
        return format_html(
            '<span class="status-badge status-{}">{}</span>',
            client.status,
            client.get_status_display(),
        )

    @admin.display(description="Credit Balance", ordering="credit_balance")
    def balance_display(self, client: Client) -> str:
        # A Manage Credits popup updates this cell in place (credits/js/credit_balance.js).
        return format_html(
            '<span data-credit-balance-client="{}">{}</span>', client.pk, balance_text(client)
        )

    @admin.display(description="Created", ordering="created_at")
    def created_date(self, client: Client) -> str:
        # The day is enough in the list (the Profile has the time), and keeps the column narrow.
        return day_text(client.created_at)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("group")

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        also = self.get_search_client_ids(request, search_term)
        if queryset.query.has_filters():
            return clients_search(queryset, search_term, also=also), False
        search = ClientListSearch(queryset, search_term, tuple(also))
        # For the paginator (get_paginator): see EstimatedCountPaginator.search.
        request.client_list_search = search
        common = self.paginator.is_common_search(search)
        return clients_search(queryset, search_term, also=also, common=common), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        paginator = super().get_paginator(
            request, queryset, per_page, orphans, allow_empty_first_page
        )
        paginator.search = getattr(request, "client_list_search", None)
        return paginator

    def get_search_client_ids(self, request, search_term) -> list:
        """Hook: querysets of the ids of further clients the list search finds (``values_list``
        of one id column), from mixins of other apps; each extends ``super()``'s list."""
        return []

    def get_actions(self, request):
        # The stock bulk delete would bypass the deletion service.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # ---- add and change ---------------------------------------------------------------------

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                PERSONAL_FIELDS,
                ADDRESS_FIELDS,
                SETTINGS_FIELDS,
                ("Admin notes", {"fields": ["notes"]}),
                (None, {"fields": ["send_welcome_email"]}),
            ]
        return [
            (
                "Status and credit",
                {"fields": ["status", "credit_balance", "credit_balance_shown", "credit_policy"]},
            ),
            PERSONAL_FIELDS,
            ADDRESS_FIELDS,
            SETTINGS_FIELDS,
            ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [*self.readonly_fields, *fields_not_changeable_by(request.user)]

    def save_model(self, request, obj, form, change):
        """Every write goes through the services; Django's ``obj.save()`` is never called."""
        data = form.cleaned_data
        if not change:
            client = client_create(
                actor=request.user,
                send_welcome_email=data["send_welcome_email"],
                notes=data["notes"],
                on_welcome_email=lambda log: self.report_welcome_email(request, log),
                # The Add form leaves out what new clients take by default (the credit policy).
                **{field: data[field] for field in CLIENT_PROFILE_FIELDS if field in data},
            )
            obj.pk = client.pk
            return
        status_changed = "status" in form.changed_data
        client_edit(
            client_id=obj.pk,
            actor=request.user,
            status=data["status"] if status_changed else None,
            **{field: data[field] for field in CLIENT_PROFILE_FIELDS if field in form.changed_data},
        )
        if status_changed:
            self.report_status_change(request, obj)
        if form.balance_edited():
            # Imported here: credits sits above clients, and only its services write the balance.
            from credits.services import adjust_balance

            # expected_balance: the balance this editor was shown (posted back in a hidden field).
            # If credit moved meanwhile, the edit is refused and the whole save rolled back,
            # rather than silently undoing the other change.
            adjust_balance(
                client_id=obj.pk,
                new_balance=data["credit_balance"],
                expected_balance=data.get("credit_balance_shown"),
                actor=request.user,
            )

    def report_status_change(self, request, client: Client) -> None:
        """Hook, after staff changed the status on the Profile: mixins of the apps whose records
        a status leaves running (services, open invoices) say so in a message."""

    def report_welcome_email(self, request, log: EmailLog) -> None:
        # Read again: with the in-process queue it has been sent (or has failed) by now.
        log.refresh_from_db(fields=["status", "error"])
        if log.status == EmailLog.Status.SENT:
            messages.success(request, MSG_WELCOME_SENT % {"to": log.to_address})
        elif log.status == EmailLog.Status.FAILED:
            messages.warning(
                request, MSG_WELCOME_FAILED % {"to": log.to_address, "error": log.error}
            )
        else:
            messages.info(request, MSG_WELCOME_QUEUED % {"to": log.to_address})

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Clients", **(extra_context or {})})

    # After Save the clerk lands on the client's Summary, as in WHMCS, with Django's "added" or
    # "changed" message; not on the list, where the client would have to be found again.
    def response_post_save_add(self, request, obj):
        return HttpResponseRedirect(reverse("admin:clients_client_summary", args=[obj.pk]))

    def response_post_save_change(self, request, obj):
        return HttpResponseRedirect(reverse("admin:clients_client_summary", args=[obj.pk]))

    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(
            request, form_url, {"title": "Add New Client", **(extra_context or {})}
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        client = self.get_object(request, unquote(object_id))
        if client is not None:
            # Django's changeform_view reads the client again (get_object): it gets this one.
            request._profile_client = (unquote(object_id), client)
        extra_context = {
            **(extra_context or {}),
            "title": "Client profile",
            # Deleting is not on the Profile's main path (it is a Quick Link on the Summary).
            "show_delete": False,
        }
        if client is not None:
            extra_context.update(
                client_tabs=client_tabs(request, client, current="profile"),
                history=client_history(client)[:HISTORY_ROWS],
                email_log=client_recent_emails(client),
                can_send_email=self.has_change_permission(request, client),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        loaded = request.__dict__.pop("_profile_client", None)
        if loaded is not None and from_field is None and loaded[0] == object_id:
            return loaded[1]
        return super().get_object(request, object_id, from_field)

    # ---- extra pages ------------------------------------------------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/summary/",
                self.admin_site.admin_view(self.summary_view),
                name="clients_client_summary",
            ),
            path(
                "<path:object_id>/send-welcome-email/",
                self.admin_site.admin_view(self.send_welcome_email_view),
                name="clients_client_send_welcome_email",
            ),
            *super().get_urls(),
        ]

    def get_quick_links(self, request, client: Client) -> list[QuickLink]:
        """The Summary's Quick Links this class offers; mixins add theirs (see admin_links)."""
        links = []
        if self.has_change_permission(request, client):
            links += [
                QuickLink(
                    label="Edit Profile",
                    url=reverse("admin:clients_client_change", args=[client.pk]),
                    order=ORDER_EDIT_PROFILE,
                ),
                QuickLink(
                    label="Send Welcome Email again",
                    url=reverse("admin:clients_client_send_welcome_email", args=[client.pk]),
                    is_post=True,
                    order=ORDER_WELCOME_EMAIL,
                ),
            ]
        return links

    def get_summary_context(self, request, client: Client) -> dict:
        """What the Summary shows about ``client``, beyond the page frame. Mixins of other apps
        extend it (``{**super().get_summary_context(request, client), ...}``) and the summary
        template includes their sections; querysets stay lazy until the template reads them."""
        return {
            "figures": client_figures(client),
            "credit_entries": client_recent_credit_entries(client),
            "email_log": client_recent_emails(client),
            "history": client_history(client)[:HISTORY_ROWS],
        }

    def client_not_found(self, request, object_id):
        """What a custom client page answers for an id that names no client (admin_views)."""
        return client_not_found(self, request, object_id)

    @client_view(lambda self, request, client: self.has_view_or_change_permission(request, client))
    def summary_view(self, request, client: Client):
        links = sorted(self.get_quick_links(request, client), key=lambda link: link.order)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Client summary: {client}",
            "subtitle": None,
            "client": client,
            "client_tabs": client_tabs(request, client, current="summary"),
            "quick_links": links,
            # The box lists these two apart (QuickLink.set_apart).
            "main_links": [link for link in links if not link.set_apart],
            "set_apart_links": [link for link in links if link.set_apart],
            "has_change_permission": self.has_change_permission(request, client),
            **self.get_summary_context(request, client),
        }
        return TemplateResponse(request, self.summary_template, context)

    @client_view(lambda self, request, client: self.has_change_permission(request, client))
    def send_welcome_email_view(self, request, client: Client):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        # Read before sending: a body that cannot be parsed is refused with nothing sent.
        next_url = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:clients_client_summary", args=[client.pk])
        log = client_send_welcome_email(client_id=client.pk, actor=request.user)
        self.report_welcome_email(request, log)
        return HttpResponseRedirect(next_url)


@admin.register(Client)
class ClientAdmin(
    ClientMergeAdminMixin,
    BulkStatusAdminMixin,
    ContactsAndNotesAdminMixin,
    CreditPolicyAdminMixin,
    StatementAdminMixin,
    ClientCsvAdminMixin,
    ManageCreditsAdminMixin,
    DataProtectionAdminMixin,
    ClientDeletionAdminMixin,
    ClientServicesAdminMixin,
    CustomFieldsClientAdminMixin,
    ClientAdminBase,
):
    """Feature mixins from other modules go before ClientAdminBase in the bases."""


@admin.register(ClientGroup)
class ClientGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "colour"]
    search_fields = ["name"]


@admin.register(ClientEvent)
class ClientEventAdmin(ClientIdSearchMixin, ClientTabsChangelistMixin, AuditLogAdmin):
    """Client history across all clients (status changes, balance edits, profile edits): the
    audit trail staff can browse. Read-only for everyone, superusers included."""

    list_display = [
        "created_at",
        "client_link",
        "kind",
        "field_display",
        "old_value",
        "new_value",
        "balance_delta",
        "actor_label",
    ]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter), ClientFilter]
    client_tab = "history"
    list_select_related = ["client"]
    list_per_page = 50
    search_fields = ["=client__id"]
    search_help_text = "Client ID, or client name, company, email or phone (as on the client list)."
    show_full_result_count = False

    @admin.display(description="Field", ordering="field")
    def field_display(self, event: ClientEvent) -> str:
        return event.field_label

    @admin.display(description="Client", ordering="client_id")
    def client_link(self, event: ClientEvent) -> str:
        return client_summary_link(event.client)

    def search_text(self, queryset, term):
        matching_clients = clients_search(Client.objects.all(), term).values("pk")
        return queryset.filter(client__in=matching_clients)
