"""The Transactions tab: list, search, filters, totals, add by hand, delete with confirmation.

Transactions are a ledger: they are added (through transaction_create, or
invoices.services.invoice_transaction_record when an invoice is chosen: that pays or refunds the
invoice) and, rarely, deleted (through invoices.services.transactions_delete, which undoes
what each did to its invoice and records who did it), never edited.
"""

from datetime import date, datetime

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from billing_admin.admin_mixins import (
    AuditLogAdmin,
    CheckedSelectionMixin,
    ServiceErrorAsMessageMixin,
)
from billing_admin.money import format_money
from clients.admin_tabs import (
    TAB_TRANSACTIONS,
    ClientFilter,
    ClientTabsChangelistMixin,
    model_list_tab,
    register_client_tab,
)
from invoices.services import invoice_transaction_record, transactions_delete
from transactions.forms import TransactionForm
from transactions.models import Transaction, TransactionChange, TransactionDeletion
from transactions.payment_methods import payment_method_name
from transactions.selectors import transaction_list, transaction_totals, transactions_search
from transactions.services import (
    TRANSACTION_INPUT_FIELDS,
    transaction_create,
)

MSG_DELETED = "Deleted %(count)d transaction(s)."


def parse_date_or_none(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class DateRangeFilter(admin.DateFieldListFilter):
    """Django's date presets plus a From / Before form for any range."""

    template = "admin/transactions/transaction/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        ours = {self.lookup_kwarg_since, self.lookup_kwarg_until}
        # The other filters and the search stay applied when the range form is submitted.
        self.preserved_params = [
            (name, value)
            for name, values in request.GET.lists()
            if name not in ours
            for value in values
        ]
        self.since = self.date_params.get(self.lookup_kwarg_since, "")
        self.until = self.date_params.get(self.lookup_kwarg_until, "")
        # A typed date means midnight where staff are, like the presets (not a naive datetime).
        for name in ours & self.used_parameters.keys():
            day = parse_date_or_none(self.used_parameters[name][-1])
            if day is not None:
                midnight = datetime.combine(day, datetime.min.time())
                self.used_parameters[name] = [timezone.make_aware(midnight)]


class PaymentMethodFilter(admin.SimpleListFilter):
    """The payment methods in use, by display name ("Bank Transfer"); the parameter carries the
    stored module name (``?gateway=banktransfer``)."""

    title = "payment method"
    parameter_name = "gateway"

    def lookups(self, request, model_admin):
        # A distinct scan of the gateway index: a handful of values however many rows.
        modules = Transaction.objects.order_by("gateway").values_list("gateway", flat=True)
        return [(module, payment_method_name(module)) for module in modules.distinct()]

    def queryset(self, request, queryset):
        return queryset if self.value() is None else queryset.filter(gateway=self.value())


class ClientDeletedFilter(admin.SimpleListFilter):
    # Not "client": a client's Transactions tab also shows ClientFilter, titled "client".
    title = "client record"
    parameter_name = "client_state"

    def lookups(self, request, model_admin):
        return [
            ("existing", "Existing client"),
            ("deleted", "Deleted client"),
            ("none", "No client"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "existing":
                return queryset.filter(client__isnull=False)
            case "deleted":
                return queryset.filter(client__isnull=True, client_snapshot_id__isnull=False)
            case "none":
                return queryset.filter(client_snapshot_id__isnull=True)
        return queryset


def _admin_link(url_name: str, pk, text: str) -> str:
    try:
        return format_html('<a href="{}">{}</a>', reverse(url_name, args=[pk]), text)
    except NoReverseMatch:  # that model has no admin
        return text


register_client_tab(model_list_tab("transactions", "Transactions", Transaction, TAB_TRANSACTIONS))


@admin.register(Transaction)
class TransactionAdmin(
    CheckedSelectionMixin, ServiceErrorAsMessageMixin, ClientTabsChangelistMixin, admin.ModelAdmin
):
    form = TransactionForm
    # Four columns, each holding what belongs together, so the list fits a 1280px screen with
    # both sidebars open (eleven columns needed sideways scrolling to reach Currency or By).
    list_display = ["day", "client_display", "payment_display", "amount_display"]
    list_select_related = ["client"]
    # Enables the search box; get_search_results does the searching (see transactions_search).
    search_fields = ["transaction_id"]
    search_help_text = (
        "Transaction ID (exact), client name, email or company (beginning), or description."
    )
    list_filter = [
        PaymentMethodFilter,
        ("date", DateRangeFilter),
        ("currency", admin.AllValuesFieldListFilter),
        ClientDeletedFilter,
        ClientFilter,
    ]
    client_tab = "transactions"
    raw_id_fields = ["client", "invoice"]
    actions = ["delete_selected_transactions"]
    change_list_template = "admin/transactions/transaction/change_list.html"
    delete_selected_template = "admin/transactions/transaction/delete_selected_transactions.html"

    def get_queryset(self, request):
        return transaction_list()

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return transactions_search(queryset, search_term), False

    @admin.display(description="client", ordering="client_name")
    def client_display(self, txn: Transaction) -> str:
        if txn.client_id is not None:
            return _admin_link("admin:clients_client_summary", txn.client_id, str(txn.client))
        if txn.client_snapshot_id is not None:
            return f"Deleted client #{txn.client_snapshot_id} — {txn.client_name}"
        return "—"

    @admin.display(description="date", ordering="date")
    def day(self, txn: Transaction) -> str:
        # The day only (the record shows the time), and who recorded it (staff user or API
        # credential): the audit trail.
        return format_html(
            '<span class="nowrap">{}</span><br><span class="quiet">by {}</span>',
            date_format(timezone.localdate(txn.date)),
            txn.actor_label,
        )

    @admin.display(description="payment", ordering="gateway")
    def payment_display(self, txn: Transaction) -> str:
        """The payment method's display name, the gateway's transaction ID, the description
        and the invoice paid."""
        invoice = (
            format_html("<br>Invoice {}", self.invoice_display(txn))
            if txn.invoice_id is not None or txn.invoice_number
            else ""
        )
        return format_html(
            '<strong>{}</strong> <span class="quiet wrap-anywhere">{}</span><br>{}{}',
            payment_method_name(txn.gateway),
            txn.transaction_id,
            txn.description,
            invoice,
        )

    def invoice_display(self, txn: Transaction) -> str:
        number = f"#{txn.invoice_number}" if txn.invoice_number else "#?"
        if txn.invoice_id is not None:
            return _admin_link("admin:invoices_invoice_change", txn.invoice_id, number)
        return number

    @admin.display(description="amount", ordering="amount_in")
    def amount_display(self, txn: Transaction) -> str:
        """Money in with its currency; fees and money out below it when there are any."""
        lines = [
            format_html(
                '<span class="nowrap">{} {}</span>', format_money(txn.amount_in), txn.currency
            )
        ]
        if txn.fees:
            lines.append(
                format_html('<span class="quiet nowrap">fees {}</span>', format_money(txn.fees))
            )
        if txn.amount_out:
            lines.append(
                format_html(
                    '<span class="quiet nowrap">out {}</span>', format_money(txn.amount_out)
                )
            )
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    # A ledger row is never edited: staff may look at it (view permission), add and delete.
    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # Django's would bypass the service's audit
        return actions

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in TRANSACTION_INPUT_FIELDS if name != "invoice"}
        if data["invoice"] is not None:
            # A payment or refund of the invoice, which moves the invoice too.
            txn = invoice_transaction_record(
                invoice_id=data["invoice"].pk,
                actor=request.user,
                request_key=data["submit_key"],
                **fields,
            )
        else:
            txn = transaction_create(actor=request.user, request_key=data["submit_key"], **fields)
        obj.pk = txn.pk

    def delete_model(self, request, obj):
        transactions_delete(ids=[obj.pk], actor=request.user)

    def delete_queryset(self, request, queryset):
        transactions_delete(ids=queryset.values_list("pk", flat=True), actor=request.user)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Transactions", **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            response.context_data["totals"] = transaction_totals(changelist.queryset)
        return response

    @admin.action(permissions=["delete"], description="Delete selected transactions")
    def delete_selected_transactions(self, request, queryset):
        """First a confirmation page; its form posts the action again with post=yes."""
        if request.POST.get("post") == "yes":
            try:
                deletions = transactions_delete(
                    ids=queryset.values_list("pk", flat=True), actor=request.user
                )
            except ValidationError as exc:
                for message in exc.messages:
                    self.message_user(request, message, messages.ERROR)
            else:
                self.message_user(request, MSG_DELETED % {"count": len(deletions)})
            return None  # back to the changelist
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Delete selected transactions",
            "selected": list(queryset.select_related("client").order_by("pk")),
            "action_name": "delete_selected_transactions",
            "totals": transaction_totals(queryset),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, self.delete_selected_template, context)


@admin.register(TransactionDeletion)
class TransactionDeletionAdmin(AuditLogAdmin):
    """The record of deleted transactions: read-only for everyone."""

    list_display = [
        "created_at",
        "actor_label",
        "transaction_pk",
        "date",
        "client_snapshot_id",
        "client_name",
        "gateway",
        "transaction_id",
        "amount_in",
        "fees",
        "amount_out",
        "currency",
        "invoice_number",
    ]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["=transaction_pk", "=transaction_id", "=client_snapshot_id"]


@admin.register(TransactionChange)
class TransactionChangeAdmin(AuditLogAdmin):
    """Edits made to transactions (who, when, each field before and after): read-only."""

    list_display = ["created_at", "actor_label", "transaction_pk", "changes"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    search_fields = ["=transaction_pk"]
