"""Admin for invoices and client services: lists, the invoice page with its Credit and Add Payment
boxes, and ``ClientServicesAdminMixin``, which ClientAdmin inherits for the services inline, the
Quick Links and the Close Client page. Every write goes through ``invoices.services``."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from billing_admin.admin_mixins import AuditLogAdmin
from billing_admin.money import format_money
from billing_admin.parsing import parse_positive_int
from clients.admin_links import ORDER_DEFAULT, QuickLink, client_summary_link
from clients.admin_tabs import (
    TAB_INVOICES,
    TAB_SERVICES,
    ClientFilter,
    ClientTabsChangelistMixin,
    client_page_context,
    client_tabs,
    model_list_tab,
    register_client_tab,
    requested_client,
)
from clients.admin_views import client_view
from clients.models import Client
from invoices import selectors, services
from invoices.forms import (
    ApplyCreditForm,
    InvoiceCreateForm,
    InvoiceItemFormSet,
    PaymentForm,
    RemoveCreditForm,
)
from invoices.models import ClientService, Invoice, InvoiceEvent

PERM_APPLY_CREDIT = "invoices.apply_invoice_credit"
PERM_RECORD_PAYMENT = "invoices.record_invoice_payment"
PERM_CANCEL = "invoices.cancel_invoice"
PERM_GENERATE = "invoices.generate_invoices"
PERMS_CLOSE_CLIENT = ("clients.change_client_status", PERM_CANCEL)

MSG_CREDIT_APPLIED = "Applied %(amount)s credit to invoice #%(number)s."
MSG_CREDIT_REMOVED = (
    "Removed %(amount)s credit from invoice #%(number)s; it is back on the balance."
)
MSG_PAYMENT_ADDED = "Recorded a payment of %(amount)s on invoice #%(number)s."
MSG_CREATED = "Invoice #%(number)s created."
MSG_CANCELLED = "Invoice #%(number)s is cancelled."
MSG_NOTHING_DUE = (
    "Nothing to invoice: no Active service is due by %(horizon)s (today + %(days)d days), "
    "or its invoice already exists."
)
MSG_CLIENT_CLOSED = "%(client)s is closed: open invoices cancelled, services cancelled."
MSG_INACTIVE_WITH_SERVICES = (
    "%(client)s is now Inactive but still has %(count)d active service(s): invoicing continues "
    "while product statuses stay active."
)
MSG_CLOSED_LEAVES_OPEN_ITEMS = (
    "%(client)s is now Closed; its %(services)d active service(s) and %(invoices)d unpaid "
    "invoice(s) are unchanged. Use Close Client on the client's summary to cancel them."
)

SERVICE_FIELDS = list(services.SERVICE_FIELDS)
# Invoices listed on the client summary.
SUMMARY_INVOICES = 10
# The most services the client Profile edits inline.
INLINE_SERVICES_LIMIT = 50


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its fields where the form has them."""
    if hasattr(error, "error_dict") and set(error.error_dict) <= set(form.fields):
        form.add_error(None, error)
    else:
        form.add_error(None, error.messages)


def form_auto_id(action: str) -> str:
    """Element ids per box: the invoice page shows several forms with an "amount" field."""
    return f"id_{action}_%s"


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return selectors.invoices_overdue(queryset)
        return queryset


class SearchByIdMixin:
    """Search by number only: the id index answers it, a non-number finds nothing."""

    search_fields = ["=id"]
    # The column the number is looked up in.
    search_id_lookup = "pk"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().lstrip("#")
        if not term:
            return queryset, False
        record_id = parse_positive_int(term)
        if record_id is None:
            return queryset.none(), False
        return queryset.filter(**{self.search_id_lookup: record_id}), False


@dataclass(frozen=True)
class InvoiceAction:
    """One button on the invoice page: its form, its permission and the service it calls.

    ``perform(invoice_id, cleaned_data, actor)`` returns the success message.
    """

    name: str
    permission: str
    form_class: type[forms.Form] | None
    perform: Callable[[int, dict, object], str]


def _apply_credit(invoice_id, data, actor) -> str:
    entry = services.invoice_apply_credit(
        invoice_id=invoice_id, amount=data["amount"], actor=actor, request_key=data["request_key"]
    )
    return MSG_CREDIT_APPLIED % {"amount": format_money(-entry.amount), "number": invoice_id}


def _remove_credit(invoice_id, data, actor) -> str:
    entry = services.invoice_remove_credit(
        invoice_id=invoice_id, amount=data["amount"], actor=actor, request_key=data["request_key"]
    )
    return MSG_CREDIT_REMOVED % {"amount": format_money(entry.amount), "number": invoice_id}


def _add_payment(invoice_id, data, actor) -> str:
    txn = services.payment_record(invoice_id=invoice_id, actor=actor, **data)
    return MSG_PAYMENT_ADDED % {"amount": format_money(txn.amount_in), "number": invoice_id}


def _cancel(invoice_id, data, actor) -> str:
    services.invoice_cancel(invoice_id=invoice_id, actor=actor)
    return MSG_CANCELLED % {"number": invoice_id}


INVOICE_ACTIONS = {
    action.name: action
    for action in (
        InvoiceAction("apply_credit", PERM_APPLY_CREDIT, ApplyCreditForm, _apply_credit),
        InvoiceAction("remove_credit", PERM_APPLY_CREDIT, RemoveCreditForm, _remove_credit),
        InvoiceAction("add_payment", PERM_RECORD_PAYMENT, PaymentForm, _add_payment),
        InvoiceAction("cancel", PERM_CANCEL, None, _cancel),
    )
}


register_client_tab(model_list_tab("services", "Services", ClientService, TAB_SERVICES))
register_client_tab(model_list_tab("invoices", "Invoices", Invoice, TAB_INVOICES))


@admin.register(Invoice)
class InvoiceAdmin(ClientTabsChangelistMixin, SearchByIdMixin, admin.ModelAdmin):
    """Invoices come from invoice_create (Create Invoice, the API) and the daily generation.
    The invoice page is read-only; its boxes call the services. No edit or delete form touches
    the money columns."""

    list_display = [
        "id",
        "client_link",
        "date",
        "due_date",
        "total_display",
        "balance_display",
        "status_badge",
    ]
    list_filter = ["status", OverdueFilter, ClientFilter]
    client_tab = "invoices"
    list_select_related = ["client"]
    list_per_page = 50
    search_help_text = "Invoice number."
    show_full_result_count = False
    detail_template = "admin/invoices/invoice/detail.html"
    create_template = "admin/invoices/invoice/create.html"

    def get_queryset(self, request):
        return selectors.invoice_list()

    @admin.display(description="Client", ordering="client_id")
    def client_link(self, invoice: Invoice) -> str:
        # The name the invoice was issued to, linking to the client as it is now.
        url = reverse("admin:clients_client_summary", args=[invoice.client_id])
        return format_html('<a href="{}">{}</a>', url, invoice.billed_to)

    @admin.display(description="Balance due", ordering="balance")
    def balance_display(self, invoice: Invoice) -> str:
        return f"{format_money(invoice.balance_due)} {invoice.currency}"

    @admin.display(description="Total", ordering="total")
    def total_display(self, invoice: Invoice) -> str:
        return f"{format_money(invoice.total)} {invoice.currency}"

    @admin.display(description="Status", ordering="status")
    def status_badge(self, invoice: Invoice) -> str:
        # The colours are the stylesheet's (billing_admin/admin.css), shared with the invoice page.
        return format_html(
            '<span class="invoice-status {}">{}</span>',
            invoice.status,
            invoice.get_status_display(),
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "generate-due/",
                self.admin_site.admin_view(self.generate_due_view),
                name="invoices_invoice_generate_due",
            ),
            *(
                path(
                    f"<path:object_id>/{name}/",
                    self.admin_site.admin_view(self.invoice_action_view),
                    {"action": name},
                    name=f"invoices_invoice_{name}",
                )
                for name in INVOICE_ACTIONS
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            "title": "Invoices",
            **(extra_context or {}),
            "can_generate_invoices": request.user.has_perm(PERM_GENERATE),
        }
        return super().changelist_view(request, extra_context)

    def generate_due_view(self, request):
        """Generate Due Invoices: the daily run (``manage.py generate_invoices``) on demand.
        Pressing it again invoices nothing twice: the run advances each service's due date."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm(PERM_GENERATE):
            raise PermissionDenied
        today = timezone.localdate()
        result = services.invoices_generate(today=today, actor=request.user)
        if result.invoices:
            messages.success(request, result.summary(today=today))
        else:
            days = settings.INVOICE_DAYS_IN_ADVANCE
            horizon = today + timedelta(days=days)
            messages.info(request, MSG_NOTHING_DUE % {"horizon": horizon, "days": days})
        return HttpResponseRedirect(reverse("admin:invoices_invoice_changelist"))

    def add_view(self, request, form_url="", extra_context=None):
        """Create Invoice: the header and its lines, saved by invoice_create."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = InvoiceCreateForm(request.POST)
            items = InvoiceItemFormSet(request.POST, prefix="items")
            if form.is_valid() and items.is_valid():
                data = form.cleaned_data
                try:
                    invoice = services.invoice_create(
                        client_id=data["client"],
                        items=[item.cleaned_data for item in items.forms if item.has_changed()],
                        actor=request.user,
                        date=data["date"],
                        due_date=data["due_date"],
                        status=data["status"],
                        notes=data["notes"],
                        auto_apply_credit=data["auto_apply_credit"],
                    )
                except ValidationError as error:
                    add_service_error(form, error)
                else:
                    messages.success(request, MSG_CREATED % {"number": invoice.number})
                    return HttpResponseRedirect(
                        reverse("admin:invoices_invoice_change", args=[invoice.pk])
                    )
        else:
            form = InvoiceCreateForm(initial={"client": request.GET.get("client")})
            items = InvoiceItemFormSet(prefix="items")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Create invoice",
            "subtitle": None,
            "form": form,
            "items": items,
        }
        # Opened for a client (its Quick Link, ?client=<id>) the page is about that client: its
        # tab bar and sticky notes show, as on its Invoices tab.
        client = requested_client(request)
        if client is not None:
            context.update(client_page_context(request, client, current=self.client_tab))
        return TemplateResponse(request, self.create_template, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The invoice page (read-only: changes go through its buttons)."""
        return self.render_detail(request, self.get_invoice_or_404(request, object_id))

    def get_invoice_or_404(self, request, object_id) -> Invoice:
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            return selectors.invoice_detail(int(unquote(object_id)))
        except (ValueError, Invoice.DoesNotExist):
            raise Http404(f"Invoice {object_id!r} does not exist.") from None

    def render_detail(self, request, invoice: Invoice, bound_forms=None):
        user = request.user
        allowed = {
            name: user.has_perm(action.permission) for name, action in INVOICE_ACTIONS.items()
        }
        forms_by_action = {
            name: (bound_forms or {}).get(name) or action.form_class(auto_id=form_auto_id(name))
            for name, action in INVOICE_ACTIONS.items()
            if action.form_class is not None and allowed[name]
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Invoice #{invoice.number}",
            "subtitle": None,
            "invoice": invoice,
            "client": invoice.client,
            "allowed": allowed,
            "forms": forms_by_action,
            "is_open": invoice.status in selectors.OPEN_STATUSES,
            "is_cancellable": invoice.status in services.CANCELLABLE_STATUSES,
        }
        return TemplateResponse(request, self.detail_template, context)

    def invoice_action_view(self, request, object_id, action):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        invoice_action = INVOICE_ACTIONS[action]
        invoice = self.get_invoice_or_404(request, object_id)
        if not request.user.has_perm(invoice_action.permission):
            raise PermissionDenied
        form = (
            invoice_action.form_class(request.POST, auto_id=form_auto_id(action))
            if invoice_action.form_class
            else None
        )
        invoice_url = reverse("admin:invoices_invoice_change", args=[invoice.pk])
        if form is not None and not form.is_valid():
            return self.render_detail(request, invoice, {action: form})
        try:
            message = invoice_action.perform(
                invoice.pk, form.cleaned_data if form else {}, request.user
            )
        except ValidationError as error:
            # Deleted (with its client) since the page was opened: nothing to show again.
            if getattr(error, "code", None) == services.NOT_FOUND_CODE:
                messages.error(request, " ".join(error.messages))
                return HttpResponseRedirect(reverse("admin:invoices_invoice_changelist"))
            if form is None:
                messages.error(request, " ".join(error.messages))
                return HttpResponseRedirect(invoice_url)
            add_service_error(form, error)
            return self.render_detail(request, invoice, {action: form})
        messages.success(request, message)
        return HttpResponseRedirect(invoice_url)


@admin.register(InvoiceEvent)
class InvoiceEventAdmin(SearchByIdMixin, AuditLogAdmin):
    """Every invoice's history across all invoices: who created, credited, paid or cancelled
    what, and when. Written only by the invoices services; read-only for everyone, superusers
    included."""

    list_display = [
        "created_at",
        "invoice_link",
        "client_link",
        "kind",
        "old_value",
        "new_value",
        "amount",
        "actor_label",
    ]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["invoice__client"]
    list_per_page = 50
    search_fields = ["=invoice__id"]
    search_id_lookup = "invoice_id"
    search_help_text = "Invoice number."
    show_full_result_count = False

    @admin.display(description="Invoice", ordering="invoice_id")
    def invoice_link(self, event: InvoiceEvent) -> str:
        url = reverse("admin:invoices_invoice_change", args=[event.invoice_id])
        return format_html('<a href="{}">#{}</a>', url, event.invoice_id)

    @admin.display(description="Client")
    def client_link(self, event: InvoiceEvent) -> str:
        return client_summary_link(event.invoice.client)


def save_service(request, obj: ClientService, changed: list[str]) -> None:
    """Save a service from an admin form (the list's or the client's inline) via the services."""
    data = {name: getattr(obj, name) for name in SERVICE_FIELDS}
    if obj.pk is None:
        obj.pk = services.client_service_create(
            client_id=obj.client_id, actor=request.user, **data
        ).pk
    elif changed:
        services.client_service_update(
            service_id=obj.pk,
            actor=request.user,
            **{name: data[name] for name in changed if name in data},
        )


@admin.register(ClientService)
class ClientServiceAdmin(ClientTabsChangelistMixin, SearchByIdMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "product_name",
        "client_link",
        "status",
        "billing_cycle",
        "recurring_amount",
        "next_due_date",
    ]
    list_filter = ["status", "billing_cycle", ClientFilter]
    client_tab = "services"
    list_select_related = ["client"]
    list_per_page = 50
    search_help_text = "Service ID."
    show_full_result_count = False
    raw_id_fields = ["client"]
    fields = ["client", *SERVICE_FIELDS]

    @admin.display(description="Client", ordering="client_id")
    def client_link(self, service: ClientService) -> str:
        return client_summary_link(service.client)

    def get_readonly_fields(self, request, obj=None):
        return ["client"] if obj is not None else []

    def get_changeform_initial_data(self, request):
        # "Add Service" from a client's Quick Links arrives with ?client=<id>.
        return {"client": request.GET.get("client")} if request.GET.get("client") else {}

    def has_delete_permission(self, request, obj=None):
        # Invoice items keep pointing at their service; end a service by its status instead.
        return False

    def save_model(self, request, obj, form, change):
        save_service(request, obj, form.changed_data)


# Stacked, not tabular: every field gets its own label, and the Profile fits a 1280px screen.
class ClientServiceInline(admin.StackedInline):
    model = ClientService
    fields = SERVICE_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name_plural = "products/services"


class ClientServicesAdminMixin:
    """For ClientAdmin's bases: the services inline on the Profile, invoice/service Quick Links
    on the Summary, and the Close Client page (WHMCS CloseClient)."""

    close_template = "admin/invoices/close_client.html"

    def get_inlines(self, request, obj=None):
        inlines = list(super().get_inlines(request, obj))
        # An inline has no paging: a reseller with thousands of services would get a page of
        # thousands of forms. Past the limit the services list (Quick Links) is the way in.
        if obj is None or obj.services.count() > INLINE_SERVICES_LIMIT:
            return inlines
        return [*inlines, ClientServiceInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is not ClientService:
            return super().save_formset(request, form, formset, change)
        for service_form in formset.forms:
            if service_form.has_changed():
                service = service_form.instance
                service.client_id = form.instance.pk
                save_service(request, service, service_form.changed_data)
        formset.new_objects = formset.changed_objects = formset.deleted_objects = []
        return None

    def get_urls(self):
        return [
            path(
                "<path:object_id>/close/",
                self.admin_site.admin_view(self.close_client_view),
                name="clients_client_close",
            ),
            *super().get_urls(),
        ]

    def get_quick_links(self, request, client):
        links = list(super().get_quick_links(request, client))
        user = request.user
        if user.has_perm("invoices.view_invoice"):
            url = reverse("admin:invoices_invoice_changelist")
            links.append(
                QuickLink("View Invoices", f"{url}?client={client.pk}", order=ORDER_DEFAULT)
            )
        if user.has_perm("invoices.add_invoice"):
            url = reverse("admin:invoices_invoice_add")
            links.append(
                QuickLink("Create Invoice", f"{url}?client={client.pk}", order=ORDER_DEFAULT)
            )
        if user.has_perm("invoices.view_clientservice"):
            url = reverse("admin:invoices_clientservice_changelist")
            links.append(
                QuickLink("View Services", f"{url}?client={client.pk}", order=ORDER_DEFAULT)
            )
        if user.has_perm("invoices.add_clientservice"):
            url = reverse("admin:invoices_clientservice_add")
            links.append(QuickLink("Add Service", f"{url}?client={client.pk}", order=ORDER_DEFAULT))
        if client.status != Client.Status.CLOSED and user.has_perms(PERMS_CLOSE_CLIENT):
            url = reverse("admin:clients_client_close", args=[client.pk])
            links.append(
                QuickLink("Close Client", url, css_class="caution", order=ORDER_DEFAULT + 30)
            )
        return links

    def get_summary_context(self, request, client):
        """The client's invoice figures and latest invoices (for
        admin/invoices/includes/client_invoices.html)."""
        return {
            **super().get_summary_context(request, client),
            "invoice_figures": selectors.client_invoice_figures(client.pk),
            "recent_invoices": selectors.client_invoice_summary(client.pk)[:SUMMARY_INVOICES],
        }

    def report_status_change(self, request, client):
        """Inactive and Closed only set the flag: say what the new status leaves running."""
        super().report_status_change(request, client)
        if client.status == Client.Status.ACTIVE:
            return
        figures = selectors.client_invoice_figures(client.pk)
        if client.status == Client.Status.INACTIVE and figures.active_services:
            messages.warning(
                request,
                MSG_INACTIVE_WITH_SERVICES % {"client": client, "count": figures.active_services},
            )
        elif client.status == Client.Status.CLOSED and (
            figures.active_services or figures.due_invoices
        ):
            messages.warning(
                request,
                MSG_CLOSED_LEAVES_OPEN_ITEMS
                % {
                    "client": client,
                    "services": figures.active_services,
                    "invoices": figures.due_invoices,
                },
            )

    @client_view(lambda self, request, client: request.user.has_perms(PERMS_CLOSE_CLIENT))
    def close_client_view(self, request, client):
        """GET: what closing will do; POST: do it (client_close) and go back to the summary."""
        summary_url = reverse("admin:clients_client_summary", args=[client.pk])
        if request.method == "POST":
            services.client_close(client_id=client.pk, actor=request.user)
            messages.success(request, MSG_CLIENT_CLOSED % {"client": client})
            return HttpResponseRedirect(summary_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Close client: {client}",
            "subtitle": None,
            "client": client,
            "client_tabs": client_tabs(request, client, current="summary"),
            "summary_url": summary_url,
            "open_invoices": client.invoices.filter(
                status__in=services.CANCELLABLE_STATUSES
            ).count(),
            "live_services": client.services.filter(
                status__in=services.CLOSABLE_SERVICE_STATUSES
            ).count(),
        }
        return TemplateResponse(request, self.close_template, context)
