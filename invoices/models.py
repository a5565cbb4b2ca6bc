from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from billing_admin.iso_codes import currency_choices
from billing_admin.money import money_field
from clients.models import AuditFields, Client


class ClientService(models.Model):
    """A product or service a client holds and is billed for (WHMCS "Products/Services")."""

    class Status(models.TextChoices):
        PENDING = "Pending", "Pending"
        ACTIVE = "Active", "Active"
        SUSPENDED = "Suspended", "Suspended"
        TERMINATED = "Terminated", "Terminated"
        CANCELLED = "Cancelled", "Cancelled"

    class BillingCycle(models.TextChoices):
        ONE_TIME = "one_time", "One Time"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        SEMI_ANNUALLY = "semi_annually", "Semi-Annually"
        ANNUALLY = "annually", "Annually"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="services")
    product_name = models.CharField(max_length=200)
    description = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    billing_cycle = models.CharField(
        max_length=13, choices=BillingCycle.choices, default=BillingCycle.MONTHLY
    )
    recurring_amount = money_field()
    registration_date = models.DateField(default=timezone.localdate)
    # The next date to invoice; None once a one-time service has been invoiced.
    next_due_date = models.DateField(null=True, blank=True)
    status_changed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["client_id", "id"]
        indexes = [
            models.Index(fields=["status", "next_due_date"], name="service_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(recurring_amount__gte=0), name="service_amount_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.product_name


def invoice_number(invoice_id: int) -> str:
    """What an invoice is numbered as on its page, its PDF and in the API: its id."""
    return str(invoice_id)


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "Draft", "Draft"
        UNPAID = "Unpaid", "Unpaid"
        PAID = "Paid", "Paid"
        CANCELLED = "Cancelled", "Cancelled"
        REFUNDED = "Refunded", "Refunded"
        COLLECTIONS = "Collections", "Collections"
        PAYMENT_PENDING = "Payment Pending", "Payment Pending"

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="invoices")
    status = models.CharField(max_length=15, choices=Status.choices, default=Status.UNPAID)
    date = models.DateField(default=timezone.localdate)
    due_date = models.DateField(default=timezone.localdate)
    paid_at = models.DateTimeField(null=True, blank=True)
    currency = models.CharField(max_length=3, choices=currency_choices)
    payment_method = models.CharField(max_length=50, blank=True)
    subtotal = money_field()
    tax = money_field()
    total = money_field()
    credit_applied = money_field()
    amount_paid = money_field()
    notes = models.TextField(blank=True)
    # Who the invoice was issued to, copied from the client (and its billing contact) when it is
    # issued: the invoice shows this, not the live client, and it stays readable after the
    # client is anonymised while the invoice's retention period runs (invoices.services.snapshot).
    billed_first_name = models.CharField(max_length=100, blank=True)
    billed_last_name = models.CharField(max_length=100, blank=True)
    billed_company = models.CharField(max_length=200, blank=True)
    billed_email = models.EmailField(max_length=254, blank=True)
    billed_phone = models.CharField(max_length=32, blank=True)
    billed_address1 = models.CharField(max_length=200, blank=True)
    billed_address2 = models.CharField(max_length=200, blank=True)
    billed_city = models.CharField(max_length=100, blank=True)
    billed_state = models.CharField(max_length=100, blank=True)
    billed_postcode = models.CharField(max_length=20, blank=True)
    billed_country = models.CharField(max_length=2, blank=True)
    billed_tax_exempt = models.BooleanField(default=False)
    billed_contact_name = models.CharField(max_length=320, blank=True)
    billed_contact_email = models.EmailField(max_length=254, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["client", "status"], name="invoice_client_status_idx"),
            models.Index(fields=["status", "due_date"], name="invoice_status_due_idx"),
            models.Index(fields=["date"], name="invoice_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_applied__gte=0)
                & Q(amount_paid__gte=0)
                & Q(total__gte=F("credit_applied") + F("amount_paid")),
                name="invoice_settled_within_total",
            ),
        ]
        permissions = [
            ("apply_invoice_credit", "Can apply and remove credit on invoices"),
            ("record_invoice_payment", "Can record payments on invoices"),
            ("cancel_invoice", "Can cancel invoices"),
            ("generate_invoices", "Can generate due invoices"),
        ]

    def __str__(self) -> str:
        return f"Invoice #{self.number}"

    @property
    def number(self) -> str:
        return invoice_number(self.pk)

    @property
    def billed_full_name(self) -> str:
        return f"{self.billed_first_name} {self.billed_last_name}".strip()

    @property
    def billed_to(self) -> str:
        """Who the invoice was issued to, as the client's name reads (with the company)."""
        name = self.billed_full_name
        return f"{name} ({self.billed_company})" if self.billed_company else name

    @property
    def balance_due(self):
        """BALANCE_DUE on a loaded row."""
        return self.total - self.credit_applied - self.amount_paid


# What is still owed on an invoice, as SQL: every query that sums or sorts by it uses this.
BALANCE_DUE = F("total") - F("credit_applied") - F("amount_paid")


class InvoiceItem(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    # Set for items billed from a service; with service_due_date it makes generation idempotent.
    service = models.ForeignKey(
        ClientService, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    service_due_date = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=255)
    amount = money_field()
    taxed = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "service_due_date"],
                condition=Q(service__isnull=False),
                name="invoiceitem_one_per_service_period",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class InvoiceEvent(AuditFields):
    """An invoice's history: who created it, moved money on it or changed its status, and when.

    Append-only, written by every invoices service in the same transaction as the change.
    Status events hold the old and new status; credit and payment events the amount and the
    balance due before and after; ``created`` the first status and the total; ``total_changed``
    (lines edited) the old and new total.
    """

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        STATUS_CHANGED = "status_changed", "Status changed"
        CREDIT_APPLIED = "credit_applied", "Credit applied"
        CREDIT_REMOVED = "credit_removed", "Credit removed"
        PAYMENT = "payment", "Payment"
        # Money paid back on the invoice (a transaction's amount out): what was paid goes down.
        REFUND = "refund", "Refund"
        # A payment or refund transaction deleted: what it did to amount_paid is undone.
        PAYMENT_DELETED = "payment_deleted", "Payment deleted"
        REFUND_DELETED = "refund_deleted", "Refund deleted"
        CANCELLED = "cancelled", "Cancelled"
        TOTAL_CHANGED = "total_changed", "Total changed"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    old_value = models.CharField(max_length=50, blank=True)
    new_value = models.CharField(max_length=50, blank=True)
    amount = money_field(null=True, blank=True, default=None)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["invoice", "-created_at"], name="invoiceevent_invoice_idx"),
            models.Index(fields=["kind", "-created_at"], name="invoiceevent_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.old_value} → {self.new_value}"
