from django.contrib.postgres.indexes import OpClass
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone

from billing_admin.iso_codes import currency_choices
from billing_admin.money import money_field
from billing_admin.search_indexes import search_index
from clients.models import AuditFields, Client

# Words searched by prefix; the query must use this same expression to use the GIN index.
TEXT_SEARCH_VECTOR = SearchVector("description", "client_name", "client_company", config="simple")


class Transaction(AuditFields):
    """Money in or out through a gateway. Income: it survives the deletion of its client.

    The client and invoice links are nullable and the client's and invoice's identity is copied
    in when the row is written, so a transaction stays readable after either is gone.
    """

    date = models.DateTimeField(default=timezone.now)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions"
    )
    client_snapshot_id = models.BigIntegerField(null=True, blank=True)
    client_name = models.CharField(max_length=320, blank=True)
    client_company = models.CharField(max_length=200, blank=True)
    client_email = models.EmailField(max_length=254, blank=True)
    gateway = models.CharField("payment method", max_length=50)
    transaction_id = models.CharField("transaction ID", max_length=255, blank=True)
    description = models.CharField(max_length=255, blank=True)
    amount_in = money_field()
    fees = money_field()
    amount_out = money_field()
    currency = models.CharField(max_length=3, choices=currency_choices)
    invoice = models.ForeignKey(
        "invoices.Invoice",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transactions",
    )
    invoice_number = models.CharField(max_length=50, blank=True)
    # Of a payment on an invoice, the part of amount_in the invoice could not take and that went
    # to the client's credit as an overpayment (the rest raised the invoice's amount_paid):
    # what deleting the transaction takes back from each (invoices.services.transactions_delete).
    overpayment = money_field()
    # The admin form submit that wrote this row (a UUID per rendered form): a repeated submit
    # finds it and records nothing more. Unique, so the index also serves that lookup.
    request_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    # The amounts a list of transactions is totalled by (per currency).
    AMOUNT_FIELDS = ("amount_in", "fees", "amount_out")

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["-date", "-id"], name="transaction_date_idx"),
            models.Index(fields=["transaction_id"], name="transaction_transid_idx"),
            models.Index(fields=["gateway"], name="transaction_gateway_idx"),
            models.Index(fields=["client_snapshot_id"], name="transaction_client_snap_idx"),
            models.Index(fields=["currency"], name="transaction_currency_idx"),
            # The Transactions tab's search (transactions.selectors.transactions_search): the
            # transaction ID exactly and the client email by prefix, case-insensitively
            # (UPPER(col) = / LIKE 'X%', pattern ops for the LIKE), and words of the
            # description and client snapshot by prefix (full-text, GIN).
            *(
                models.Index(
                    OpClass(Upper(column), name="text_pattern_ops"),
                    name=f"txn_{column}_upper_idx",
                )
                for column in ("transaction_id", "client_email")
            ),
            search_index(TEXT_SEARCH_VECTOR, name="txn_text_search_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.transaction_id or self.pk}: {self.amount_in} in / {self.amount_out} out"


class TransactionDeletion(AuditFields):
    """Who deleted a transaction, and what it was: income does not vanish without a trace."""

    transaction_pk = models.BigIntegerField("transaction", db_index=True)
    date = models.DateTimeField()
    client_snapshot_id = models.BigIntegerField(null=True, blank=True)
    client_name = models.CharField(max_length=320, blank=True)
    gateway = models.CharField("payment method", max_length=50)
    transaction_id = models.CharField("transaction ID", max_length=255, blank=True)
    description = models.CharField(max_length=255, blank=True)
    amount_in = money_field()
    fees = money_field()
    amount_out = money_field()
    currency = models.CharField(max_length=3, choices=currency_choices)
    invoice_number = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Deleted transaction #{self.transaction_pk}"


class TransactionChange(AuditFields):
    """Who edited a transaction, when, and each changed field's value before and after.

    Keyed by the transaction's pk rather than a foreign key, so the record outlives the row
    (and deleting transactions stays a single DELETE).
    """

    transaction_pk = models.BigIntegerField("transaction", db_index=True)
    # {"field": {"old": ..., "new": ...}} with money and dates as text.
    changes = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Change to transaction #{self.transaction_pk}"
